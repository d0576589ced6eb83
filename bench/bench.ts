// npm run bench: start-up and masking cost of the built CLI against the loopback
// STS, each beside its own baseline measured in the same run, interleaved.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { StsTestServer } from '../test/support/sts-server.ts';

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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Prints one line; returns whether the run is still within every budget. */
function row(label: string, value: string, budget = '', ok?: boolean): boolean {
  console.log(`  ${label.padEnd(40)} ${value.padStart(12)}  ${budget}${ok === undefined ? '' : ok ? '  ok' : '  OVER BUDGET'}`);
  return withinBudget && (ok ?? true);
}

const server = await new StsTestServer().start();
const source = server.addUser('arn:aws:iam::123456789012:user/jenkins');
const home = mkdtempSync(join(tmpdir(), 'war-bench-'));
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  USER: 'bench',
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

try {
  console.log(`with-assumed-role benchmark, Node ${process.version}, ${RUNS} interleaved runs each (medians)`);
  // Warm-up fills Node's compile cache, as any second run on an agent would find it.
  for (let i = 0; i < 3; i += 1) {
    await run(node, ['-e', ''], env);
    await run(node, ['--', BIN, ...ROLE, '--', 'true'], env);
    await run(node, [FLOOR, 'true'], env);
  }
  const times = { bare: [] as number[], floor: [] as number[], wrapper: [] as number[], help: [] as number[], usage: [] as number[] };
  for (let i = 0; i < RUNS; i += 1) {
    times.bare.push((await run(node, ['-e', ''], env)).ms);
    times.floor.push((await run(node, [FLOOR, 'true'], env)).ms);
    const wrapped = await run(node, ['--', BIN, ...ROLE, '--', 'true'], env);
    if (wrapped.code !== 0) throw new Error(`withAssumedRole -- true exited ${wrapped.code}`);
    times.wrapper.push(wrapped.ms);
    times.help.push((await run(node, ['--', BIN, '--help'], env)).ms);
    times.usage.push((await run(node, ['--', BIN, ...ROLE, '--duration', 'soon', '--', 'true'], env, 'ignore')).ms);
  }
  const bare = median(times.bare);
  const wrapper = median(times.wrapper);
  console.log('\nstart-up');
  row('node -e ""', `${bare.toFixed(1)} ms`);
  const floor = median(times.floor);
  row('floor: STS SDK, one AssumeRole, spawn true', `${floor.toFixed(1)} ms`, `${(floor / bare).toFixed(2)}x bare node`);
  withinBudget = row(
    'withAssumedRole -- true (loopback STS)',
    `${wrapper.toFixed(1)} ms`,
    `${(wrapper / bare).toFixed(2)}x bare node, budget 3x`,
    wrapper <= 3 * bare,
  );
  row('withAssumedRole --help', `${median(times.help).toFixed(1)} ms`, `${(median(times.help) / bare).toFixed(2)}x bare node`);
  row(
    'withAssumedRole with a usage error',
    `${median(times.usage).toFixed(1)} ms`,
    `${(median(times.usage) / bare).toFixed(2)}x bare node`,
  );
  console.log(`  STS calls answered: ${server.assumeRoleCalls().length}`);

  if (existsSync('/usr/bin/time')) {
    const peaks: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const measured = await new Promise<number>((done) => {
        const child = spawn('/usr/bin/time', ['-f', '%M', node, '--', BIN, ...ROLE, '--', 'true'], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let text = '';
        child.stderr.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        child.on('close', () => done(Number(text.trim().split('\n').at(-1)) / 1024));
      });
      peaks.push(measured);
    }
    const peak = Math.max(...peaks);
    withinBudget = row('peak RSS, withAssumedRole -- true', `${peak.toFixed(1)} MiB`, 'budget 100 MiB', peak <= 100);
  } else {
    console.log('  peak RSS: /usr/bin/time not found, not measured');
  }

  // On a tmpfs when there is one: the disk's writeback of the last run's 200 MB would time the disk.
  const logDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'war-bench-'));
  const log = join(logDir, 'console.log');
  for (const [title, file] of [
    ['to a pipe read by a Node process', undefined],
    ['into a file, as a Jenkins console log', log],
  ] as const) {
    console.log(`\nmasked output: ${MEGABYTES} MB through the wrapper ${title} (${MASK_RUNS} interleaved runs each)`);
    const masking = { off: [] as number[], on: [] as number[], hop: [] as number[] };
    // What one more process between the command and the output costs here, doing nothing: cat through a 64 KB pipe.
    const hop = `'${node}' '${EMIT}' ${MEGABYTES} | cat`;
    for (let i = 0; i < MASK_RUNS; i += 1) {
      masking.hop.push((await run(node, ['--', BIN, ...ROLE, '--no-mask', '--', 'sh', '-c', hop], env, 'inherit', file)).ms);
      const plain = await run(node, ['--', BIN, ...ROLE, '--no-mask', '--', node, EMIT, String(MEGABYTES)], env, 'inherit', file);
      const masked = await run(node, ['--', BIN, ...ROLE, '--mask', '--', node, EMIT, String(MEGABYTES)], env, 'inherit', file);
      if (plain.bytes !== MEGABYTES * 1024 * 1024) throw new Error(`unmasked run wrote ${plain.bytes} bytes`);
      if (masked.bytes >= plain.bytes || masked.code !== 0) throw new Error('masked run did not mask');
      masking.off.push(plain.ms);
      masking.on.push(masked.ms);
    }
    const off = median(masking.off);
    const on = median(masking.on);
    row('--no-mask (stdio inherited)', `${off.toFixed(0)} ms`);
    const hopped = median(masking.hop);
    row('floor: --no-mask -- sh -c "... | cat"', `${hopped.toFixed(0)} ms`, `${(hopped / off).toFixed(2)}x unmasked`);
    withinBudget = row(
      '--mask (through the redactor)',
      `${on.toFixed(0)} ms`,
      `${(on / off).toFixed(2)}x unmasked, budget 1.5x`,
      on <= 1.5 * off,
    );
    row('masked throughput', `${((MEGABYTES / on) * 1000).toFixed(0)} MB/s`);
  }
  rmSync(logDir, { recursive: true, force: true });
} finally {
  await server.close();
}
console.log(withinBudget ? '\nall within budget' : '\nOVER BUDGET');
process.exitCode = withinBudget ? 0 : 1;
