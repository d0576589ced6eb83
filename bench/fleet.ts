// The fleet (issue #29): many stages at once against an STS that throttles, blocks
// started together refreshing, one block through a day of refreshes, the masker
// over gigabytes of output with refreshed secrets, and an STS outage in the
// middle of a block. Counts and orderings from the loopback STS's call log,
// times and memory from the processes themselves, each against its budget.
// BENCH_ONLY=fleet runs this part alone; FLEET_RUNS, FLEET_BLOCKS, FLEET_CYCLES scale it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Block, footprintOf, startBlock } from '../test/support/block.ts';
import type { StsCall, StsTestServer } from '../test/support/sts-server.ts';
import { waitFor } from '../test/support/wait.ts';
import type { Row } from './step-cost.ts';

const ROLE_ARN = 'arn:aws:iam::521111111144:role/DeployMaster';
const RUNS = Number(process.env.FLEET_RUNS ?? 200);
const BLOCKS = Number(process.env.FLEET_BLOCKS ?? 50);
const CYCLES = Number(process.env.FLEET_CYCLES ?? 48);
/** STS's request rate in the emulation: a token bucket, and one in this many admitted calls failing with 500. */
const RATE = { perSecond: 20, burst: 20 };
const SERVER_ERROR_EVERY = 25;
const ASSUME_TIMEOUT_S = 60;
const SOAK = join(import.meta.dirname, 'fixtures/masker-soak.ts');

export interface FleetSetting {
  server: StsTestServer;
  /** The built CLI, launched as it ships. */
  cli: string;
  /** The environment of a run on an agent: source keys, the loopback STS, CI=true. */
  env: NodeJS.ProcessEnv;
  scratch: string;
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))] as number;
export const median = (values: number[]) => percentile(values, 50);

function exitOf(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', cli, ...args], { env, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

/** AssumeRole calls by session name, in arrival order. */
function bySession(calls: StsCall[]): Map<string, StsCall[]> {
  const sessions = new Map<string, StsCall[]>();
  for (const call of calls) {
    const name = call.params.RoleSessionName ?? '';
    sessions.set(name, [...(sessions.get(name) ?? []), call]);
  }
  return sessions;
}

export async function fleet(setting: FleetSetting, row: Row): Promise<boolean> {
  let ok = true;
  ok = (await manyAtOnce(setting, row)) && ok;
  ok = (await spreadRefreshes(setting, row)) && ok;
  ok = (await allDay(setting, row)) && ok;
  ok = (await maskerAllDay(row)) && ok;
  ok = (await outage(setting, row)) && ok;
  return ok;
}

/** RUNS command-form runs started together against STS's rate: all get credentials, the retries spread out. */
async function manyAtOnce({ server, cli, env }: FleetSetting, row: Row): Promise<boolean> {
  console.log(
    `\nthe fleet: ${RUNS} command-form runs whose first calls reach STS together, STS throttling beyond ${RATE.perSecond}/s, one in ${SERVER_ERROR_EVERY} failing with 500`,
  );
  server.reset();
  // Their first calls are held until all have come: two cores start 200 processes over seconds, 200 agents at once.
  server.faults = { holdUntilCalls: RUNS, rate: RATE, serverErrorEvery: SERVER_ERROR_EVERY };
  const args = (index: number) => ['--role-arn', ROLE_ARN, '--session-name', `fleet-${index}`, '--mask', '--quiet', '--', 'true'];
  const codes = await Promise.all(Array.from({ length: RUNS }, (_, index) => exitOf(cli, args(index), env)));
  const calls = server.assumeRoleCalls();
  // Released by the last of the first calls to arrive.
  const releasedAt = (calls[RUNS - 1] as StsCall).receivedAt;
  const sessions = [...bySession(calls).values()];
  const waits = sessions.flatMap((attempts) => {
    const granted = attempts.find((call) => call.outcome === 'OK');
    return granted === undefined ? [] : [(granted.receivedAt - Math.max(releasedAt, (attempts[0] as StsCall).receivedAt)) / 1000];
  });
  const perRun = sessions.map((attempts) => attempts.length);
  const succeeded = codes.filter((code) => code === 0).length;
  const span = (Math.max(...calls.map((call) => call.receivedAt)) - Math.min(...calls.map((call) => call.receivedAt))) / 1000;
  let ok = row('runs that got credentials', `${succeeded}/${RUNS}`, 'budget all', succeeded === RUNS);
  row("floor: all of them at STS's rate", `${(RUNS / RATE.perSecond).toFixed(1)} s`, `answered over ${span.toFixed(1)} s`);
  const attempts = calls.length / RUNS;
  ok = row('STS attempts per run, mean', attempts.toFixed(2), 'budget 4', attempts <= 4) && ok;
  row('STS attempts per run, most', String(Math.max(...perRun)));
  row(
    'throttled / 500',
    `${calls.filter((call) => call.outcome === 'Throttling').length} / ${calls.filter((call) => call.outcome === 'InternalFailure').length}`,
  );
  row('time to credentials, p50', `${median(waits).toFixed(1)} s`, 'from the release to the granted call');
  const p99 = percentile(waits, 99);
  ok =
    row('time to credentials, p99', `${p99.toFixed(1)} s`, `budget ${ASSUME_TIMEOUT_S} s (--assume-timeout)`, p99 <= ASSUME_TIMEOUT_S) &&
    ok;
  server.reset();
  return ok;
}

/** The most calls in one whole second, by when each arrived (or, with `answered`, was answered). */
function largestBurst(calls: StsCall[], answered = false): number {
  const perSecond = new Map<number, number>();
  for (const call of calls) {
    const second = Math.floor((answered ? (call.answeredAt ?? call.receivedAt) : call.receivedAt) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(0, ...perSecond.values());
}

/** BLOCKS blocks whose credentials were issued in the same second: their refreshes spread over the window. */
async function spreadRefreshes({ server, cli, env, scratch }: FleetSetting, row: Row): Promise<boolean> {
  const lifetime = 60;
  const cycles = 4;
  console.log(
    `\nthe fleet: ${BLOCKS} blocks issued their credentials in the same second, ${lifetime} s sessions, ${cycles} refreshes each`,
  );
  server.reset();
  server.lifetimeSeconds = lifetime;
  // Held until all have come; should one never come, the others fail at --assume-timeout, and all are stopped below.
  server.faults = { holdUntilCalls: BLOCKS };
  const blocks = await Promise.all(Array.from({ length: BLOCKS }, (_, index) => startBlock(cli, env, ROLE_ARN, `block-${index}`, scratch)));
  try {
    const failed = blocks.filter((block) => block.started.exitCode !== 0);
    if (failed.length > 0) throw new Error(`${failed.length} blocks did not start: ${failed[0]?.started.stderr}`);
    const issued = server.assumeRoleCalls().slice(0, BLOCKS);
    await waitFor(() => server.assumeRoleCalls().length >= BLOCKS * (cycles + 1) || undefined, (cycles + 2) * lifetime * 1000);
    const refreshes = server.assumeRoleCalls().slice(BLOCKS);
    const budget = Math.floor(BLOCKS / 4);
    row('floor: issued in the busiest second', `${largestBurst(issued, true)}`, `of ${BLOCKS} blocks`);
    const burst = largestBurst(refreshes);
    const late = lateRefreshes(server.assumeRoleCalls(), lifetime);
    let ok = row('refreshes in the busiest second', String(burst), `budget ${budget} (a quarter of the blocks)`, burst <= budget);
    ok = row('refreshes after the old ones expired', String(late), 'budget 0', late === 0) && ok;
    return ok;
  } finally {
    await Promise.all(blocks.map((block) => block.stop()));
    server.reset();
  }
}

/** Refreshes that came after the credentials they replace had expired, over every session. */
function lateRefreshes(calls: StsCall[], lifetimeSeconds: number): number {
  let late = 0;
  for (const attempts of bySession(calls.filter((call) => call.outcome === 'OK')).values()) {
    for (let at = 1; at < attempts.length; at += 1) {
      if ((attempts[at] as StsCall).receivedAt - (attempts[at - 1] as StsCall).receivedAt >= lifetimeSeconds * 1000) late += 1;
    }
  }
  return late;
}

/** One block through CYCLES refreshes (a day of 15-minute sessions, in 4-second ones): its footprint, its clients. */
async function allDay({ server, cli, env, scratch }: FleetSetting, row: Row): Promise<boolean> {
  const lifetime = 4;
  console.log(`\nall day: one block through ${CYCLES} refreshes (${CYCLES / 4} hours of 15-minute sessions, here ${lifetime} s each)`);
  server.reset();
  server.lifetimeSeconds = lifetime;
  server.expiry = 'generations';
  const block = await startBlock(cli, env, ROLE_ARN, 'all-day', scratch);
  const samples: { rssMiB: number; fds: number }[] = [];
  let wrong = 0;
  let checks = 0;
  try {
    if (block.started.exitCode !== 0) throw new Error(`the block did not start: ${block.started.stderr}`);
    const pid = block.brokerPid() as number;
    const assumed = 'arn:aws:sts::521111111144:assumed-role/DeployMaster/all-day';
    for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
      await waitFor(() => server.assumeRoleCalls().filter((call) => call.outcome === 'OK').length > cycle || undefined, 60_000);
      samples.push(footprintOf(pid));
      checks += 1;
      if ((await block.callerIdentity(server.url)) !== assumed) wrong += 1;
    }
    const late = lateRefreshes(server.assumeRoleCalls(), lifetime);
    const quarter = Math.max(1, Math.floor(CYCLES / 4));
    const early = median(samples.slice(quarter, 2 * quarter).map((sample) => sample.rssMiB));
    const lateRss = median(samples.slice(-quarter).map((sample) => sample.rssMiB));
    const fdsEarly = median(samples.slice(quarter, 2 * quarter).map((sample) => sample.fds));
    const fdsLate = median(samples.slice(-quarter).map((sample) => sample.fds));
    let ok = row(
      'refreshes',
      String(server.assumeRoleCalls().length - 1),
      `budget ${CYCLES} or more`,
      server.assumeRoleCalls().length - 1 >= CYCLES,
    );
    ok = row('refreshes after the old ones expired', String(late), 'budget 0', late === 0) && ok;
    ok = row("the body's client as the role", `${checks - wrong}/${checks}`, 'budget all', wrong === 0) && ok;
    row('broker RSS, second quarter (median)', `${early.toFixed(1)} MiB`);
    ok = row('broker RSS, last quarter (median)', `${lateRss.toFixed(1)} MiB`, 'budget second quarter + 5 MiB', lateRss <= early + 5) && ok;
    ok = row('broker descriptors, 2nd quarter / last', `${fdsEarly} / ${fdsLate}`, 'budget no growth', fdsLate <= fdsEarly) && ok;
    return ok;
  } finally {
    await block.stop();
    server.reset();
  }
}

/** The masker over a multi-gigabyte stream whose secrets are refreshed CYCLES times, beside the same stream without refreshes. */
async function maskerAllDay(row: Row): Promise<boolean> {
  const gigabytes = 2;
  console.log(`\nall day: the masker over ${gigabytes} GB of output, its secrets refreshed ${CYCLES} times (a process of its own)`);
  const soak = async (refreshes: number) => {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [SOAK, String(gigabytes), String(refreshes)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`the masker soak exited ${code}`))));
    });
    const result = JSON.parse(output) as { rss: number[]; masked: number; leaked: number; seconds: number };
    const quarter = Math.max(1, Math.floor(result.rss.length / 4));
    return { ...result, growth: median(result.rss.slice(-quarter)) - median(result.rss.slice(0, quarter)) };
  };
  const floor = await soak(0);
  const refreshed = await soak(CYCLES);
  let ok = row(
    'refreshed secrets masked in the output',
    `${refreshed.masked}/${refreshed.masked + refreshed.leaked}`,
    'budget all',
    refreshed.leaked === 0 && refreshed.masked === CYCLES,
  );
  const slower = refreshed.seconds / floor.seconds;
  ok =
    row(
      'throughput',
      `${((gigabytes * 1024) / refreshed.seconds).toFixed(0)} MB/s`,
      `${slower.toFixed(1)}x the stream alone's time, budget 10x`,
      slower <= 10,
    ) && ok;
  ok = row('RSS growth, the stream alone (floor)', `${floor.growth.toFixed(1)} MiB`, 'budget 8 MiB: flat', floor.growth <= 8) && ok;
  const perRefresh = (refreshed.growth - floor.growth) / CYCLES;
  ok = row('RSS growth per refresh (secrets kept)', `${perRefresh.toFixed(2)} MiB`, 'budget 1 MiB', perRefresh <= 1) && ok;
  return ok;
}

/** STS down for longer than the refresh window: the last good credentials until expiry, the error, then recovery. */
async function outage({ server, cli, env, scratch }: FleetSetting, row: Row): Promise<boolean> {
  const lifetime = 12;
  console.log(`\nan STS outage in the middle of a block (${lifetime} s sessions, STS down until they expire)`);
  server.reset();
  server.lifetimeSeconds = lifetime;
  const block: Block = await startBlock(cli, env, ROLE_ARN, 'outage', scratch);
  try {
    if (block.started.exitCode !== 0) throw new Error(`the block did not start: ${block.started.stderr}`);
    const first = await block.endpointAnswer();
    server.faults = { refuse: 'ServiceUnavailable' };
    const assumed = 'arn:aws:sts::521111111144:assumed-role/DeployMaster/outage';
    await waitFor(() => server.assumeRoleCalls().find((call) => call.outcome === 'ServiceUnavailable'));
    const during = await block.endpointAnswer();
    const duringClient = await block.callerIdentity(server.url);
    await waitFor(() => existsSync(join(block.dir, 'error')) || undefined, 60_000);
    const gone = await block.endpointAnswer();
    const goneClient = await block.callerIdentity(server.url);
    server.faults = {};
    const down = performance.now();
    await waitFor(() => !existsSync(join(block.dir, 'error')) || undefined, 60_000);
    const recoveredIn = (performance.now() - down) / 1000;
    const back = await block.callerIdentity(server.url);
    let ok = row(
      'outage: the last good credentials',
      during.accessKeyId === first.accessKeyId && duringClient === assumed ? 'yes' : 'no',
      'budget yes',
      during.accessKeyId === first.accessKeyId && duringClient === assumed,
    );
    const failsClosed = gone.status === 503 && goneClient.startsWith('error: ') && !goneClient.includes('assumed-role');
    ok = row('after expiry: the error, no identity', failsClosed ? 'yes' : 'no', 'budget yes', failsClosed) && ok;
    ok = row("STS back: the body's call as the role", back === assumed ? 'yes' : 'no', 'budget yes', back === assumed) && ok;
    row('STS back: refreshed again after', `${recoveredIn.toFixed(1)} s`, 'a retry a second once expired');
    return ok;
  } finally {
    await block.stop();
    server.reset();
  }
}
