// Tried as a hostile or careless user would: a credential_process that would call
// itself, a refresh killed mid-way, odd paths and values, binary env files.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, cleanEnv, isolatedHome, ROOT, runCli, startCli } from '../support/cli.ts';
import { ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { waitFor } from '../support/wait.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--project', 'robust'];

/** Processes whose command line holds `text`. */
function processesWith(text: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

/** Waits for the event: no process holding `text` left, at most 15 s. */
async function noneLeft(text: string): Promise<string[]> {
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (processesWith(text).length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return processesWith(text);
}

describe('a credential_process profile selected as its own source', () => {
  const setUp = (cacheFile?: string) => {
    const env = cleanEnv({ AWS_ENDPOINT_URL_STS: world.server.url, AWS_DEFAULT_REGION: 'us-east-1', AWS_PROFILE: 'deployer' });
    const marker = `recursion-${Math.random().toString(36).slice(2)}`;
    const line = [
      process.execPath,
      '--',
      CLI,
      'print',
      '--quiet',
      ...ROLE,
      '--session-name',
      marker,
      '--format',
      'process',
      ...(cacheFile === undefined ? [] : ['--cache-file', cacheFile]),
    ].join(' ');
    writeFileSync(env.AWS_CONFIG_FILE as string, `[profile deployer]\ncredential_process = ${line}\n`);
    return { env, marker };
  };

  it.each([
    ['the AWS CLI', ['aws', 'sts', 'get-caller-identity']],
    ['boto3', ['python3', '-c', 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])']],
  ])('%s as the caller: stops at once, naming the profile, and leaves no process behind', async (_caller, command) => {
    const { env, marker } = setUp();
    const [file, ...args] = command as [string, ...string[]];
    const result = await execa(file, args, { env, extendEnv: false, reject: false, timeout: 30_000 });
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('profile deployer');
    expect(result.stderr).toContain('would start itself forever');
    expect(await noneLeft(marker)).toEqual([]);
    expect(world.server.assumeRoleCalls()).toHaveLength(0);
  });

  it('with a cache file: the same, and no lock left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'war-cache-'));
    const cache = join(dir, 'cache.json');
    const { env, marker } = setUp(cache);
    const result = await execa('aws', ['sts', 'get-caller-identity'], { env, extendEnv: false, reject: false, timeout: 30_000 });
    expect(result.timedOut).toBe(false);
    expect(result.stderr).toContain('would start itself forever');
    expect(await noneLeft(marker)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('the cache lock', () => {
  const printing = (cache: string) => ['print', ...ROLE, '--format', 'process', '--cache-file', cache];

  it.each(['SIGTERM', 'SIGKILL'] as const)('a refresh stopped by %s does not stall the next one', async (signal) => {
    const cache = join(mkdtempSync(join(tmpdir(), 'war-cache-')), 'cache.json');
    world.server.faults = { delayMs: 20_000 };
    const first = startCli(printing(cache), { env: world.env() });
    await waitFor(() => world.server.assumeRoleCalls()[0]);
    first.kill(signal);
    await first;
    // SIGTERM: the holder removed its lock on the way out. SIGKILL: its holder is gone, so it is taken over at once.
    expect(readdirSync(join(cache, '..')).includes('cache.json.lock')).toBe(signal === 'SIGKILL');
    world.server.faults = {};
    // A deadline of 5 s for the whole call, lock included: one that waited for the lock to age (a minute) would fail (75).
    const second = await runCli([...printing(cache), '--assume-timeout', '5'], { env: world.env() });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).Version).toBe(1);
  });

  it('does not depend on the current directory: ten calls from two directories assume once', async () => {
    const cache = join(mkdtempSync(join(tmpdir(), 'war-cache-')), 'cache.json');
    const [one, two] = ['one', 'two'].map((name) => {
      const dir = join(isolatedHome(), name);
      mkdirSync(dir);
      return dir;
    }) as [string, string];
    for (let call = 0; call < 10; call += 1) {
      const result = await runCli(printing(cache), { env: world.env(), cwd: call % 2 === 0 ? one : two });
      expect(result.exitCode, result.stderr).toBe(0);
    }
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
    const derived = await runCli(['print', '--role-arn', DEPLOY_ROLE_ARN, '--cache-file', cache], { env: world.env(), cwd: one });
    expect(derived.exitCode).toBe(64);
    expect(derived.stderr).toContain("the session name would be derived from the current directory's name");
    expect(derived.stderr).toContain('fix: add --project <name> (or --session-name)');
  });
});

describe('exit codes and messages', () => {
  it.each([
    [
      ['print', ...ROLE, '--cache-file', '/nonexistent-dir/cache.json'],
      78,
      '--cache-file /nonexistent-dir/cache.json: cannot be used there (ENOENT)',
    ],
    [['--role-arn', 'arn:aws-foo:iam::123456789012:role/x', '--', 'true'], 64, 'aws-foo is not an AWS partition'],
    [
      ['--role-arn', 'arn:aws-cn:iam::123456789012:role/x', '--region', 'us-east-1', '--', 'true'],
      64,
      'a role in the aws-cn partition, but the region us-east-1 is in aws',
    ],
    [[...ROLE, '--', ROOT], 126, `${ROOT}: is a directory, not a program`],
  ])('%j: exit %i, "%s"', async (args, code, message) => {
    const result = await runCli(args, { env: world.env() });
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/\n {2}fix: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('takes options before the subcommand as after it', async () => {
    const before = await runCli(['--verbose', 'print', ...ROLE, '--format', 'process'], { env: world.env() });
    expect(before.exitCode, before.stderr).toBe(0);
    expect(before.stderr).toContain('withAssumedRole: source credentials:');
    const valued = await runCli(['--region', 'eu-west-1', 'print', ...ROLE, '--format', 'env'], { env: world.env() });
    expect(valued.exitCode, valued.stderr).toBe(0);
    expect(valued.stdout).toContain("export AWS_REGION='eu-west-1'");
  });

  it('an aws-cn role without a region goes to STS in cn-north-1', async () => {
    const plan = await runCli(['--role-arn', 'arn:aws-cn:iam::123456789012:role/x', '--dry-run', '--', 'true'], { env: world.env() });
    expect(plan.stdout).toContain('region             cn-north-1 (no region set: STS default)');
  });

  it('refuses an env file that is not text, naming it', async () => {
    const home = isolatedHome();
    for (const [name, bytes] of [
      ['nul.env', Buffer.from('A=1\n\0\0\0B=2\n')],
      ['latin1.env', Buffer.from([0x41, 0x3d, 0xe9, 0x0a])],
    ] as const) {
      writeFileSync(join(home, name), bytes);
      const result = await runCli([...ROLE, '--env-file', join(home, name), '--', 'true'], { env: world.env() });
      expect(result.exitCode).toBe(78);
      expect(result.stderr).toContain(`--env-file ${join(home, name)}: not a dotenv file`);
    }
  });

  it('a TMPDIR that does not exist: the same answer however the CLI is started', async () => {
    const missing = join(isolatedHome(), 'no-such-dir');
    const env = world.env({ TMPDIR: missing });
    const launches = [
      [process.execPath, '--', CLI],
      [process.execPath, join(ROOT, 'bin/with-assumed-role.cjs')],
    ];
    const answers = [];
    for (const launch of launches) {
      const [file, ...args] = launch as [string, ...string[]];
      const result = await execa(file, [...args, ...ROLE, '--mask', '--quiet', '--', 'true'], { env, extendEnv: false, reject: false });
      answers.push([result.exitCode, result.stderr]);
    }
    expect(answers[0]?.[0]).toBe(78);
    expect(String(answers[0]?.[1])).toContain(`TMPDIR=${missing}: cannot hold the pipes masking needs (ENOENT)`);
    expect(answers[1]).toEqual(answers[0]);
    expect(readdirSync(join(missing, '..'))).not.toContain('no-such-dir');
    // Found before STS is asked for anything.
    expect(world.server.assumeRoleCalls()).toHaveLength(0);
  });
});

describe('source account stays out of it', () => {
  it('the recursion guard does not trip on a nested run with the same profile once the outer one has its credentials', async () => {
    const keys = world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/nested`);
    const env = cleanEnv({ AWS_ENDPOINT_URL_STS: world.server.url, AWS_PROFILE: 'base' });
    writeFileSync(
      env.AWS_CONFIG_FILE as string,
      `[profile base]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
    );
    const nested = `${process.execPath} -- ${CLI} --profile base --role-arn ${DEPLOY_ROLE_ARN} --session-name inner -- true`;
    const result = await runCli([...ROLE, '--profile', 'base', '--', 'sh', '-c', nested], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(world.server.assumeRoleCalls()).toHaveLength(2);
  });
});
