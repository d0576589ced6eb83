// print: the one explicit way credentials leave the wrapper, checked with real
// consumers: bash's eval, the AWS CLI's credential_process, JSON.parse.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, isolatedHome, ROOT, runCli } from '../support/cli.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'printed', '--region', 'us-east-1'];
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/printed`;

describe('print formats', () => {
  it('env: export lines that bash can eval, after which the AWS CLI acts as the role', async () => {
    const env = world.env({ AWS_PROFILE: '' });
    const script = `eval "$("${process.execPath}" -- "${CLI}" print --quiet ${ROLE.join(' ')} --format env)" && aws sts get-caller-identity --query Arn --output text`;
    const result = await execa('bash', ['-c', script], { env, extendEnv: false, reject: false });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(ASSUMED);
  });

  it('process: what the AWS CLI expects from credential_process', async () => {
    const home = isolatedHome();
    const config = join(home, 'config');
    writeFileSync(
      config,
      `[profile deploy]\ncredential_process = "${process.execPath}" -- "${CLI}" print --quiet ${ROLE.join(' ')} --format process\nregion = us-east-1\n`,
    );
    const env = world.env({ AWS_CONFIG_FILE: config });
    const result = await execa('aws', ['sts', 'get-caller-identity', '--profile', 'deploy', '--query', 'Arn', '--output', 'text'], {
      env,
      extendEnv: false,
      reject: false,
    });
    expect(result.stdout.trim()).toBe(ASSUMED);
    const printed = JSON.parse((await runCli(['print', '--quiet', ...ROLE, '--format', 'process'], { env: world.env() })).stdout);
    expect(Object.keys(printed)).toEqual(['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    expect(printed.Version).toBe(1);
  });

  it('json: the credentials, the assumed role and the region', async () => {
    const result = await runCli(['print', ...ROLE, '--format', 'json'], { env: world.env() });
    expect(result.exitCode).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.AssumedRoleUser.Arn).toBe(ASSUMED);
    expect(printed.Region).toBe('us-east-1');
    expect(printed.Credentials.AccessKeyId).toMatch(/^ASIA/);
    expect(Date.parse(printed.Credentials.Expiration)).toBeGreaterThan(Date.now());
    expect(result.stderr).toMatch(/^withAssumedRole: assumed .* until .*\n$/);
    expect(result.stderr).not.toContain(printed.Credentials.SecretAccessKey);
  });
});

describe('print --cache-file', () => {
  const cacheIn = () => join(isolatedHome(), 'credentials.json');

  it('assumes once, then answers from a 0600 cache while the credentials last', async () => {
    const cache = cacheIn();
    const first = await runCli(['print', '--quiet', ...ROLE, '--format', 'process', '--cache-file', cache], { env: world.env() });
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    const again = await runCli(['print', '--quiet', '--format', 'process', '--cache-file', cache], { env: world.env() });
    expect(again.stdout).toBe(first.stdout);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it("refreshes with the caller's own source as it finds it then; the file holds temporary credentials only", async () => {
    const cache = cacheIn();
    const first = world.server.addUser('arn:aws:iam::123456789012:user/first-caller');
    const second = world.server.addUser('arn:aws:iam::123456789012:user/second-caller');
    const keys = (user: typeof first) => world.env({ AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey });
    await runCli(['print', '--quiet', ...ROLE, '--format', 'process', '--cache-file', cache], { env: keys(first) });
    const text = readFileSync(cache, 'utf8');
    expect(text).not.toContain(first.secretAccessKey);
    expect(text).not.toContain(first.accessKeyId);
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(['credentials', 'invocations', 'request', 'version']);
    // Another role, and the same role once stale: each refresh signs with the caller's own keys, not the first caller's.
    const other = ['--role-arn', `arn:aws:iam::${ACCOUNT_A}:role/Other`, '--session-name', 'printed'];
    await runCli(['print', '--quiet', ...other, '--format', 'process', '--cache-file', cache], { env: keys(second) });
    writeFileSync(
      cache,
      readFileSync(cache, 'utf8').replace(/"expiration":"[^"]+"/, `"expiration":"${new Date(Date.now() - 1000).toISOString()}"`),
      { mode: 0o600 },
    );
    const refreshed = await runCli(['print', '--quiet', '--format', 'process', '--cache-file', cache], { env: keys(second) });
    expect(refreshed.exitCode, refreshed.stderr).toBe(0);
    expect(world.server.assumeRoleCalls().map((call) => call.accessKeyId)).toEqual([
      first.accessKeyId,
      second.accessKeyId,
      second.accessKeyId,
    ]);
  });

  it('refreshes once for many parallel callers', async () => {
    const cache = cacheIn();
    await runCli(['print', '--quiet', ...ROLE, '--format', 'process', '--cache-file', cache, '--duration', '15m'], { env: world.env() });
    writeFileSync(
      cache,
      readFileSync(cache, 'utf8').replace(/"expiration":"[^"]+"/, `"expiration":"${new Date(Date.now() - 1000).toISOString()}"`),
      { mode: 0o600 },
    );
    world.server.calls.length = 0;
    // A slow STS, so the eight refreshes overlap: only the lock keeps them to one.
    world.server.faults = { delayMs: 800 };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => runCli(['print', '--quiet', '--format', 'process', '--cache-file', cache], { env: world.env() })),
    );
    expect(results.map((result) => result.exitCode)).toEqual(Array(8).fill(0));
    expect(new Set(results.map((result) => result.stdout)).size).toBe(1);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it('refuses a cache file others can read, and a first call without a role', async () => {
    const cache = cacheIn();
    writeFileSync(cache, '{}');
    chmodSync(cache, 0o644);
    const open = await runCli(['print', ...ROLE, '--cache-file', cache], { env: world.env() });
    expect(open.exitCode).toBe(78);
    expect(open.stderr).toContain(`--cache-file ${cache}: readable by others (mode 644)`);
    const empty = await runCli(['print', '--cache-file', cacheIn()], { env: world.env() });
    expect(empty.exitCode).toBe(64);
    expect(empty.stderr).toContain('holds no request yet, and no role was given');
  });

  it('the launcher answers a fresh cache for the same invocation without the CLI, and nothing else', async () => {
    // A launcher beside the fast path alone: whatever it cannot answer fails, for want of the CLI.
    const dir = isolatedHome();
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist'));
    copyFileSync(join(ROOT, 'bin/with-assumed-role.cjs'), join(dir, 'bin/with-assumed-role.cjs'));
    copyFileSync(join(ROOT, 'dist/with-assumed-role-cache-hit.cjs'), join(dir, 'dist/with-assumed-role-cache-hit.cjs'));
    const stripped = (args: string[], env: Record<string, string | undefined>) =>
      execa(process.execPath, [join(dir, 'bin/with-assumed-role.cjs'), ...args], { env, extendEnv: false, reject: false });
    const cache = cacheIn();
    const args = ['print', '--quiet', ...ROLE, '--format', 'process', '--cache-file', cache];
    const env = world.env();
    const first = await runCli(args, { env });
    expect(first.exitCode).toBe(0);
    const answered = await stripped(args, env);
    expect(answered.exitCode, answered.stderr).toBe(0);
    expect(answered.stdout).toBe(first.stdout.trimEnd());
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
    // Another invocation (a setting more), a --verbose run, a stale cache: the CLI's to answer.
    expect((await stripped([...args, '--duration', '20m'], env)).stderr).toContain('with-assumed-role.cjs');
    expect((await stripped(args, { ...env, WITH_ASSUMED_ROLE_PROJECT: 'other' })).exitCode).not.toBe(0);
    expect((await stripped([...args, '--verbose'], env)).exitCode).not.toBe(0);
    writeFileSync(
      cache,
      readFileSync(cache, 'utf8').replace(/"expiration":"[^"]+"/, `"expiration":"${new Date(Date.now() - 1000).toISOString()}"`),
      { mode: 0o600 },
    );
    expect((await stripped(args, env)).exitCode).not.toBe(0);
    const refreshed = await runCli(args, { env });
    expect(refreshed.exitCode).toBe(0);
    expect(refreshed.stdout).not.toBe(first.stdout);
    expect((await stripped(args, env)).stdout).toBe(refreshed.stdout.trimEnd());
  });
});
