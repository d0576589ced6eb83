// ./dev bench: start-up, cache-hit and masking cost of the built CLI against the
// loopback STS, each as a ratio to a floor measured in the same run, interleaved;
// the Jenkins step's counts (sh steps, bytes, console lines) against their budgets;
// and the fleet's: many runs against a throttling STS, refreshes of blocks started
// together, a day of refreshes, an STS outage (bench/fleet.ts).
// BENCH_ONLY=startup, masking, step or fleet runs one part. Everything it writes is under
// one temporary folder, removed at the end.
import { spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundleCli } from '../scripts/build.ts';
import { Masker } from '../src/child/masker.ts';
import { PIPE_READ_BYTES } from '../src/child/output-pipes.ts';
import { generateCredentials, StsTestServer } from '../test/support/sts-server.ts';
import { fleet, median } from './fleet.ts';
import { stepCost } from './step-cost.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/with-assumed-role.cjs');
const EMIT = join(ROOT, 'bench/fixtures/emit.mjs');
const ROLE = ['--role-arn', 'arn:aws:iam::521111111144:role/DeployMaster', '--quiet'];
const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const MASK_RUNS = Number(process.env.BENCH_MASK_RUNS ?? 11);
const MEGABYTES = 200;

interface Run {
  ms: number;
  bytes: number;
  code: number | null;
  stdout: string;
}

/**
 * Runs a command to its end; stdout is counted (and kept when short), stderr inherited.
 * With `file`, stdout goes straight into that file instead, as a Jenkins console log does.
 */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stderr: 'inherit' | 'ignore' = 'inherit',
  file?: string,
): Promise<Run> {
  if (file !== undefined) return runIntoFile(command, args, env, file);
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', stderr] });
    let bytes = 0;
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (stdout.length < 4096) stdout += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes, code, stdout }));
  });
}

function runIntoFile(command: string, args: string[], env: NodeJS.ProcessEnv, file: string): Promise<Run> {
  return new Promise((done, fail) => {
    const fd = openSync(file, 'w');
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', fd, 'inherit'] });
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      closeSync(fd);
      done({ ms, bytes: statSync(file).size, code, stdout: '' });
    });
  });
}

/** Prints one line; returns whether the run is still within every budget. */
function row(label: string, value: string, budget = '', ok?: boolean): boolean {
  console.log(`  ${label.padEnd(40)} ${value.padStart(12)}  ${budget}${ok === undefined ? '' : ok ? '  ok' : '  OVER BUDGET'}`);
  return withinBudget && (ok ?? true);
}

// One folder for everything the run writes (the harness's pipelines included), removed at the end.
const scratch = mkdtempSync(join(tmpdir(), 'war-bench-'));
process.env.TMPDIR = scratch;
const server = await new StsTestServer().start();
const source = server.addUser('arn:aws:iam::123456789012:user/jenkins');
const home = mkdtempSync(join(tmpdir(), 'war-bench-'));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  USER: 'bench',
  TMPDIR: scratch,
  AWS_ACCESS_KEY_ID: source.accessKeyId,
  AWS_SECRET_ACCESS_KEY: source.secretAccessKey,
  AWS_ENDPOINT_URL_STS: server.url,
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: join(home, 'config'),
  AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
};
const node = process.execPath;
let withinBudget = true;

// The SDK floor, bundled and launched the way the CLI is (CommonJS, compile cache on).
const floorDir = mkdtempSync(join(tmpdir(), 'war-floor-'));
await build({
  entryPoints: [join(ROOT, 'bench/fixtures/sdk-floor.ts')],
  outfile: join(floorDir, 'floor.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  mainFields: ['module', 'main'],
  supported: { 'dynamic-import': false },
  minify: true,
  logLevel: 'error',
});
const FLOOR = join(floorDir, 'launch.cjs');
writeFileSync(FLOOR, "require('node:module').enableCompileCache?.();\nrequire('./floor.cjs');\n");

// The relay floor: the CLI, built and launched as it ships, with a masker that masks nothing:
// what the relay costs, told apart from what masking costs.
await bundleCli(join(floorDir, 'dist'), [
  {
    name: 'pass-through-masker',
    setup: (plugin) => {
      plugin.onResolve({ filter: /\/masker\.ts$/ }, () => ({ path: join(ROOT, 'bench/fixtures/pass-through-masker.ts') }));
    },
  },
]);
mkdirSync(join(floorDir, 'bin'));
copyFileSync(BIN, join(floorDir, 'bin/with-assumed-role.cjs'));
const RELAY = join(floorDir, 'bin/with-assumed-role.cjs');

/** Output kinds, each with its budget against the floor: one more process in the way, unmasked. */
const KINDS = [
  ['prose', 'log lines of words', 1.2],
  ['hex', 'log lines of digits and hex IDs', 1.2],
  ['base64', 'random base64, no newlines', 1.3],
] as const;

try {
  console.log(`with-assumed-role benchmark, Node ${process.version}, ${RUNS} interleaved runs each (medians)`);
  const only = process.env.BENCH_ONLY;
  if (only === undefined || only === 'startup') await startup();
  if (only === undefined || only === 'masking') await masking();
  if (only === undefined || only === 'step') withinBudget = (await stepCost(server, row)) && withinBudget;
  if (only === undefined || only === 'fleet')
    withinBudget = (await fleet({ server, cli: BIN, env: { ...env, CI: 'true' }, scratch }, row)) && withinBudget;
} finally {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(withinBudget ? '\nall within budget' : '\nOVER BUDGET');
process.exitCode = withinBudget ? 0 : 1;

async function startup(): Promise<void> {
  const cache = join(home, 'cache.json');
  const PRINT = ['--', BIN, 'print', '--quiet', '--role-arn', 'arn:aws:iam::521111111144:role/DeployMaster', '--project', 'bench'];
  const printCached = [...PRINT, '--format', 'process', '--cache-file', cache];
  // Warm-up fills Node's compile cache, as any second run on an agent would find it, and the credential cache.
  for (let i = 0; i < 3; i += 1) {
    await run(node, ['-e', ''], env);
    await run(node, ['--', BIN, ...ROLE, '--', 'true'], env);
    await run(node, [FLOOR, 'true'], env);
    await run(node, printCached, env);
  }
  const times = {
    bare: [] as number[],
    floor: [] as number[],
    wrapper: [] as number[],
    hit: [] as number[],
    help: [] as number[],
    usage: [] as number[],
  };
  for (let i = 0; i < RUNS; i += 1) {
    times.bare.push((await run(node, ['-e', ''], env)).ms);
    times.floor.push((await run(node, [FLOOR, 'true'], env)).ms);
    const wrapped = await run(node, ['--', BIN, ...ROLE, '--', 'true'], env);
    if (wrapped.code !== 0) throw new Error(`withAssumedRole -- true exited ${wrapped.code}`);
    times.wrapper.push(wrapped.ms);
    const hit = await run(node, printCached, env);
    if (hit.code !== 0 || !hit.stdout.includes('"Version":1')) throw new Error('print from the cache failed');
    times.hit.push(hit.ms);
    times.help.push((await run(node, ['--', BIN, '--help'], env)).ms);
    times.usage.push((await run(node, ['--', BIN, ...ROLE, '--duration', 'soon', '--', 'true'], env, 'ignore')).ms);
  }
  const bare = median(times.bare);
  const floor = median(times.floor);
  const wrapper = median(times.wrapper);
  const hit = median(times.hit);
  console.log('\nstart-up');
  row('node -e ""', `${bare.toFixed(1)} ms`);
  row('floor: STS SDK, one AssumeRole, spawn true', `${floor.toFixed(1)} ms`, `${(floor / bare).toFixed(2)}x bare node`);
  withinBudget = row(
    'withAssumedRole -- true (loopback STS)',
    `${wrapper.toFixed(1)} ms`,
    `${(wrapper / floor).toFixed(2)}x the floor, budget 1.25x`,
    wrapper <= 1.25 * floor,
  );
  withinBudget = row(
    'print --format process, fresh cache',
    `${hit.toFixed(1)} ms`,
    `${(hit / bare).toFixed(2)}x bare node, budget 1.4x`,
    hit <= 1.4 * bare,
  );
  row('withAssumedRole --help', `${median(times.help).toFixed(1)} ms`, `${(median(times.help) / bare).toFixed(2)}x bare node`);
  row(
    'withAssumedRole with a usage error',
    `${median(times.usage).toFixed(1)} ms`,
    `${(median(times.usage) / bare).toFixed(2)}x bare node`,
  );
  console.log(`  STS calls answered: ${server.assumeRoleCalls().length}`);

  if (existsSync('/usr/bin/time')) {
    const peakOf = async (args: string[]) => {
      const peaks: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        peaks.push(
          await new Promise<number>((done) => {
            const child = spawn('/usr/bin/time', ['-f', '%M', node, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
            let text = '';
            child.stderr.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            child.on('close', () => done(Number(text.trim().split('\n').at(-1)) / 1024));
          }),
        );
      }
      return Math.max(...peaks);
    };
    const peak = await peakOf(['--', BIN, ...ROLE, '--', 'true']);
    withinBudget = row('peak RSS, withAssumedRole -- true', `${peak.toFixed(1)} MiB`, 'budget 100 MiB', peak <= 100);
    const hitPeak = await peakOf(printCached);
    withinBudget = row('peak RSS, print from a fresh cache', `${hitPeak.toFixed(1)} MiB`, 'budget 60 MiB', hitPeak <= 60);
  } else {
    console.log('  peak RSS: /usr/bin/time not found, not measured');
  }
}

/**
 * What the masking itself costs, without pipes, processes or the relay: the same
 * output, read from memory in the relay's read size, through a Masker holding three
 * secrets shaped like STS's, one of them in the output. Median of five.
 */
async function maskerAlone(kind: string): Promise<number> {
  const secrets = generateCredentials();
  const file = join(mkdtempSync(join(tmpdir(), 'war-masker-')), 'output');
  await run(node, [EMIT, String(MEGABYTES), kind], { ...env, AWS_SECRET_ACCESS_KEY: secrets.secretAccessKey }, 'inherit', file);
  const output = readFileSync(file);
  rmSync(file, { force: true });
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const masker = new Masker([secrets.accessKeyId, secrets.secretAccessKey, secrets.sessionToken]);
    const started = performance.now();
    for (let at = 0; at < output.length; at += PIPE_READ_BYTES) masker.mask(output.subarray(at, at + PIPE_READ_BYTES));
    masker.flush();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** Microseconds the first touch of a fresh 4 KB page costs here: what a new process pays for each page it grows into. */
function firstTouchMicroseconds(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const fresh = Buffer.allocUnsafeSlow(64 * 1024 * 1024);
    const started = performance.now();
    for (let at = 0; at < fresh.length; at += 4096) fresh[at] = 1;
    times.push(((performance.now() - started) * 1000) / (fresh.length / 4096));
  }
  return median(times);
}

async function masking(): Promise<void> {
  console.log('\nmemory');
  row('first touch of a fresh 4 KB page', `${firstTouchMicroseconds().toFixed(2)} µs`, 'what a process pays per page it grows into');
  // Into a file, as a Jenkins console log; on a tmpfs when there is one: the disk's
  // writeback of the last run's 200 MB would time the disk.
  const logDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'war-bench-'));
  const log = join(logDir, 'console.log');
  try {
    for (const [kind, title, budget] of KINDS) {
      console.log(`\nmasked output: ${MEGABYTES} MB of ${title} through the wrapper into a file (${MASK_RUNS} interleaved runs each)`);
      const times = { off: [] as number[], on: [] as number[], hop: [] as number[], relay: [] as number[] };
      const emit = [node, EMIT, String(MEGABYTES), kind];
      // The floor: what one more process between the command and the output costs here, doing nothing (cat).
      const hop = `'${node}' '${EMIT}' ${MEGABYTES} ${kind} | cat`;
      for (let i = 0; i < MASK_RUNS; i += 1) {
        times.hop.push((await run(node, ['--', BIN, ...ROLE, '--no-mask', '--', 'sh', '-c', hop], env, 'inherit', log)).ms);
        const plain = await run(node, ['--', BIN, ...ROLE, '--no-mask', '--', ...emit], env, 'inherit', log);
        const masked = await run(node, ['--', BIN, ...ROLE, '--mask', '--', ...emit], env, 'inherit', log);
        times.relay.push((await run(node, ['--', RELAY, ...ROLE, '--mask', '--', ...emit], env, 'inherit', log)).ms);
        if (plain.bytes !== MEGABYTES * 1024 * 1024) throw new Error(`unmasked run wrote ${plain.bytes} bytes`);
        if (masked.bytes >= plain.bytes || masked.code !== 0) throw new Error('masked run did not mask');
        times.off.push(plain.ms);
        times.on.push(masked.ms);
      }
      const off = median(times.off);
      const hopped = median(times.hop);
      const on = median(times.on);
      row('--no-mask (stdio inherited)', `${off.toFixed(0)} ms`);
      row('floor: --no-mask -- sh -c "... | cat"', `${hopped.toFixed(0)} ms`, `${(hopped / off).toFixed(2)}x unmasked`);
      const relayed = median(times.relay);
      row('floor: the relay alone, masking nothing', `${relayed.toFixed(0)} ms`, `${(relayed / hopped).toFixed(2)}x the cat floor`);
      const alone = await maskerAlone(kind);
      row(
        'floor: the masker alone, in one process',
        `${alone.toFixed(0)} ms`,
        `${((MEGABYTES / alone) * 1000).toFixed(0)} MB/s; the budget leaves it ${(budget * hopped - relayed).toFixed(0)} ms over the relay`,
      );
      withinBudget = row(
        '--mask (through the redactor)',
        `${on.toFixed(0)} ms`,
        `${(on / hopped).toFixed(2)}x the floor, budget ${budget}x`,
        on <= budget * hopped,
      );
      row('masked throughput', `${((MEGABYTES / on) * 1000).toFixed(0)} MB/s`);
    }
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}
