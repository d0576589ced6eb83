// The built CLI against the project's loopback STS, with real children: the AWS
// CLI, shell scripts, node scripts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, fixture, isolatedHome, runCli, startCli } from '../support/cli.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, SOURCE_USER_ARN, useStsWorld } from '../support/sts-world.ts';
import { waitFor, waitForOutput } from '../support/wait.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN];

describe('running a command as the deploy role', () => {
  it('gives the AWS CLI the assumed identity and says so in one line', async () => {
    const result = await runCli(
      [...ROLE, '--project', 'project', '--environment', 'dev', '--region', 'us-east-1', '--', 'aws', 'sts', 'get-caller-identity'],
      {
        env: world.env(),
      },
    );
    expect(result.exitCode).toBe(0);
    const identity = JSON.parse(result.stdout);
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/project-dev-local-alice`);
    expect(identity.Account).toBe(ACCOUNT_A);
    expect(result.stderr).toMatch(
      /^withAssumedRole: assumed arn:aws:sts::521111111144:assumed-role\/DeployMaster\/project-dev-local-alice until \d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
    );
    const [assume] = world.server.assumeRoleCalls();
    expect(assume?.params).toMatchObject({ RoleArn: DEPLOY_ROLE_ARN, RoleSessionName: 'project-dev-local-alice', DurationSeconds: '3600' });
    expect(assume?.accessKeyId).toBe(world.source.accessKeyId);
  });

  it('puts the credentials, expiry and region in the child environment and removes what would override them', async () => {
    const canary = generateCredentials();
    world.server.nextCredentials.push(canary);
    const envFile = join(isolatedHome(), 'ci.env');
    writeFileSync(envFile, 'FROM_FILE=file\nSHARED=file\n');
    const result = await runCli([...ROLE, '--region', 'eu-west-1', '--env-file', envFile, '--', fixture('print-env.mjs')], {
      env: world.env({
        JENKINS_SERVER_COOKIE: 'cookie-42',
        SHARED: 'parent',
        AWS_PROFILE: 'stale',
        AWS_DEFAULT_PROFILE: 'stale',
        AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/nope',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials',
        AWS_SECURITY_TOKEN: 'stale',
        AWS_SESSION_EXPIRATION: 'stale',
      }),
    });
    // AWS_PROFILE set makes the SDK skip environment keys: the named profile does not exist, so that is the error.
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('profile stale (AWS_PROFILE): no credentials');

    const ok = await runCli([...ROLE, '--region', 'eu-west-1', '--env-file', envFile, '--', fixture('print-env.mjs')], {
      env: world.env({
        JENKINS_SERVER_COOKIE: 'cookie-42',
        SHARED: 'parent',
        AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
        AWS_SECURITY_TOKEN: 'stale',
      }),
    });
    expect(ok.exitCode).toBe(0);
    const env = JSON.parse(ok.stdout);
    expect(env).toMatchObject({
      AWS_ACCESS_KEY_ID: canary.accessKeyId,
      AWS_SECRET_ACCESS_KEY: canary.secretAccessKey,
      AWS_SESSION_TOKEN: canary.sessionToken,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      JENKINS_SERVER_COOKIE: 'cookie-42',
      FROM_FILE: 'file',
      SHARED: 'parent',
    });
    expect(new Date(env.AWS_CREDENTIAL_EXPIRATION).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(env).not.toHaveProperty('AWS_ROLE_ARN');
    expect(env).not.toHaveProperty('AWS_SECURITY_TOKEN');
  });

  it('passes the exit status through, 128+n for a signal', async () => {
    for (const status of [0, 3, 42]) {
      expect((await runCli([...ROLE, '--', fixture('exit-with.sh'), String(status)], { env: world.env() })).exitCode).toBe(status);
    }
    expect((await runCli([...ROLE, '--', fixture('kill-self.sh'), 'TERM'], { env: world.env() })).exitCode).toBe(143);
    expect((await runCli([...ROLE, '--', fixture('kill-self.sh'), 'KILL'], { env: world.env() })).exitCode).toBe(137);
  });

  it('exits 127 for a command not found and 126 for one that cannot run, in one line with a fix', async () => {
    const missing = await runCli([...ROLE, '--quiet', '--', './no-such-deploy.sh'], { env: world.env() });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toBe(
      'withAssumedRole: ./no-such-deploy.sh: command not found\n  fix: check the spelling and PATH, or give a path such as ./deploy.sh\n',
    );
    const notExecutable = await runCli([...ROLE, '--quiet', '--', fixture('not-executable.sh')], { env: world.env() });
    expect(notExecutable.exitCode).toBe(126);
    expect(notExecutable.stderr).toMatch(/not-executable\.sh: cannot be executed \(EACCES\)\n {2}fix: make it executable/);
    expect(notExecutable.stdout).toBe('');
  });

  it('a script that is there but whose interpreter is not: 127 naming the interpreter, or the Windows line ending', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'war-shebang-'));
    try {
      writeFileSync(join(dir, 'deploy.sh'), '#!/opt/no-such/python9 -u\nprint("hi")\n', { mode: 0o755 });
      writeFileSync(join(dir, 'crlf.sh'), '#!/bin/sh\r\necho hi\r\n', { mode: 0o755 });
      const missing = await runCli([...ROLE, '--quiet', '--', join(dir, 'deploy.sh')], { env: world.env() });
      expect(missing.exitCode).toBe(127);
      expect(missing.stderr).toBe(
        `withAssumedRole: ${join(dir, 'deploy.sh')}: its interpreter was not found (#!/opt/no-such/python9 -u)\n  fix: install /opt/no-such/python9, or change the script's first line (#!/usr/bin/env bash finds bash on PATH)\n`,
      );
      const crlf = await runCli([...ROLE, '--quiet', '--', join(dir, 'crlf.sh')], { env: world.env() });
      expect(crlf.exitCode).toBe(127);
      expect(crlf.stderr).toContain('its #! line ends in a carriage return: the script has Windows line endings');
      expect(crlf.stderr).toContain('fix: convert it to Unix line endings');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('session names', () => {
  it('derives <project>-<environment>-jenkins-<build> under Jenkins', async () => {
    const env = world.env({ JENKINS_URL: 'https://ci.example.com/', JOB_NAME: 'team/app main', BUILD_NUMBER: '42', BUILD_ID: '42' });
    await runCli([...ROLE, '--project', 'project', '--environment', 'dev', '--', 'true'], { env });
    await runCli([...ROLE, '--environment', 'prod', '--', 'true'], { env });
    expect(world.server.assumeRoleCalls().map((call) => call.params.RoleSessionName)).toEqual([
      'project-dev-jenkins-42',
      'team-app-main-prod-jenkins-42',
    ]);
  });

  it('sends a given name as it is and refuses one STS would refuse, without calling STS', async () => {
    expect((await runCli([...ROLE, '--session-name', 'hotfix@team=1', '--', 'true'], { env: world.env() })).exitCode).toBe(0);
    const bad = await runCli([...ROLE, '--session-name', 'my session', '--', 'true'], { env: world.env() });
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain(
      '--session-name "my session": not a valid role session name; STS allows 2-64 characters of letters, digits and +=,.@_-',
    );
    expect(world.server.assumeRoleCalls().map((call) => call.params.RoleSessionName)).toEqual(['hotfix@team=1']);
  });
});

describe('settings', () => {
  it('takes flags over the environment over env files, later files over earlier', async () => {
    const home = isolatedHome();
    writeFileSync(
      join(home, 'a.env'),
      'WITH_ASSUMED_ROLE_DURATION=20m\nWITH_ASSUMED_ROLE_ROLE_ARN=arn:aws:iam::521111111144:role/RoleForB\nWITH_ASSUMED_ROLE_PROJECT=fromfile\n',
    );
    writeFileSync(join(home, 'b.env'), 'WITH_ASSUMED_ROLE_DURATION=25m\n');
    const files = ['--env-file', join(home, 'a.env'), '--env-file', join(home, 'b.env')];
    await runCli([...files, '--', 'true'], { env: world.env() });
    await runCli([...files, '--', 'true'], { env: world.env({ WITH_ASSUMED_ROLE_DURATION: '30m' }) });
    await runCli([...files, '--duration', '35m', '--', 'true'], { env: world.env({ WITH_ASSUMED_ROLE_DURATION: '30m' }) });
    await runCli(['--', 'true'], { env: world.env({ WITH_ASSUMED_ROLE_ENV_FILE: join(home, 'a.env') }) });
    expect(
      world.server
        .assumeRoleCalls()
        .map((call) => [call.params.DurationSeconds, call.params.RoleArn?.split('/')[1], call.params.RoleSessionName]),
    ).toEqual([
      ['1500', 'RoleForB', 'fromfile-local-alice'],
      ['1800', 'RoleForB', 'fromfile-local-alice'],
      ['2100', 'RoleForB', 'fromfile-local-alice'],
      ['1200', 'RoleForB', 'fromfile-local-alice'],
    ]);
  });

  it('builds the ARN from --role and --account in the region partition', async () => {
    const result = await runCli(['--role', 'DeployMaster', '--account', ACCOUNT_A, '--region', 'cn-north-1', '--dry-run', '--', 'true'], {
      env: world.env(),
    });
    expect(result.stdout).toContain('arn:aws-cn:iam::521111111144:role/DeployMaster');
  });

  it.each([
    [['--duration', '2d'], '--duration "2d": not a duration'],
    [['--duration', '600'], '--duration "600": 600 s is outside what STS allows, 900-43200 seconds'],
    [['--region', 'mars'], '--region "mars": not an AWS region name'],
    [['--role', 'DeployMaster'], '--role: needs --account too'],
    [[...ROLE, '--role', 'DeployMaster'], '--role-arn and --role: give the role either as --role-arn or as --role with --account'],
    [['--quiet', '--verbose'], '--verbose and --quiet: cannot both be on'],
    [['--nope'], '--nope: not an option of withAssumedRole'],
  ])('refuses %j with exit 64 and says why', async (args, message) => {
    const result = await runCli([...(args.includes('--role') ? [] : ROLE), ...args, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain(message);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(world.server.calls).toHaveLength(0);
  });

  it('refuses a misspelled setting and a boolean that is not one, naming the variable', async () => {
    const typo = await runCli(['--', 'true'], { env: world.env({ WITH_ASSUMED_ROLE_ROLEARN: DEPLOY_ROLE_ARN }) });
    expect(typo.exitCode).toBe(64);
    expect(typo.stderr).toContain('WITH_ASSUMED_ROLE_ROLEARN: not a withAssumedRole setting');
    const bool = await runCli([...ROLE, '--', 'true'], { env: world.env({ WITH_ASSUMED_ROLE_DRY_RUN: 'maybe' }) });
    expect(bool.exitCode).toBe(64);
    expect(bool.stderr).toContain('WITH_ASSUMED_ROLE_DRY_RUN="maybe": not a boolean');
  });

  it('exits 78 for an env file it cannot read', async () => {
    const result = await runCli([...ROLE, '--env-file', '/no/such/ci.env', '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('--env-file /no/such/ci.env: cannot be read (ENOENT)');
  });

  it('requires a command after --', async () => {
    const result = await runCli([...ROLE], { env: world.env() });
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain('no command to run: put it after --');
    const stray = await runCli([...ROLE, './deploy.sh'], { env: world.env() });
    expect(stray.stderr).toContain('./deploy.sh: unexpected argument; the command to run goes after --');
  });
});

describe('output', () => {
  it('prints the plan on --dry-run without calling STS', async () => {
    const result = await runCli(
      [...ROLE, '--project', 'project', '--environment', 'dev', '--region', 'eu-west-1', '--dry-run', '--', './deploy.sh', 'a b'],
      {
        env: world.env(),
      },
    );
    expect(result.exitCode).toBe(0);
    expect(world.server.calls).toHaveLength(0);
    expect(result.stdout).toContain('credential source  environment (AWS_ACCESS_KEY_ID)');
    expect(result.stdout).toContain(`role ARN           ${DEPLOY_ROLE_ARN}`);
    expect(result.stdout).toContain('session name       project-dev-local-alice (derived from --project, --environment, local user)');
    expect(result.stdout).toContain('duration           3600 s (1h)');
    expect(result.stdout).toContain('region             eu-west-1 (given)');
    expect(result.stdout).toContain(`STS endpoint       ${world.server.url}`);
    expect(result.stdout).toContain("command            ./deploy.sh 'a b'");
  });

  it('on a laptop without credentials, --dry-run says none were found rather than naming instance metadata', async () => {
    const laptop = cleanEnv({ AWS_EC2_METADATA_DISABLED: undefined });
    const result = await runCli([...ROLE, '--dry-run', '--', 'true'], { env: laptop });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      'credential source  none found in the environment or the shared files; instance metadata (169.254.169.254) is left, which answers on EC2 only',
    );
  });

  it('is silent with --quiet and tells each step with --verbose', async () => {
    const quiet = await runCli([...ROLE, '--quiet', '--', 'true'], { env: world.env() });
    expect(quiet.stderr).toBe('');
    const verbose = await runCli([...ROLE, '--verbose', '--', 'true'], { env: world.env() });
    expect(verbose.stderr).toContain('withAssumedRole: source credentials: environment (AWS_ACCESS_KEY_ID)');
    expect(verbose.stderr).toContain('withAssumedRole: assumed arn:aws:sts::521111111144:assumed-role/DeployMaster/');
  });

  it('prints help and the version without loading anything AWS', async () => {
    const help = await runCli(['--help'], { env: world.env() });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('withAssumedRole [options] -- <command> [args...]');
    expect(help.stdout).toContain('--role-arn');
    expect((await runCli(['--version'], { env: world.env() })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('failures', () => {
  it('exits 78 listing where it looked when there are no source credentials', async () => {
    const env = world.env();
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const result = await runCli([...ROLE, '--', 'true'], { env });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('withAssumedRole: no source credentials');
    expect(result.stderr).toContain(
      'looked at environment (AWS_ACCESS_KEY_ID): AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set',
    );
    expect(result.stderr).toContain('looked at profile default: no [default] profile in the shared config or credentials file');
    expect(result.stderr).toContain('looked at instance metadata (169.254.169.254): AWS_EC2_METADATA_DISABLED is set');
    // Instance metadata was turned off: no advice about it.
    expect(result.stderr).not.toContain('hop limit');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains AccessDenied with the source identity, the role and both policies', async () => {
    world.server.faults = { refuse: 'AccessDenied' };
    const result = await runCli([...ROLE, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(77);
    expect(result.stderr).toContain(`${DEPLOY_ROLE_ARN}: AccessDenied: ${SOURCE_USER_ARN} may not assume this role`);
    expect(result.stderr).toContain('"AWS": "arn:aws:iam::123456789012:root"');
    expect(result.stderr).toContain('"Resource": "arn:aws:iam::521111111144:role/DeployMaster"');
    expect(result.stderr).toContain(
      'fix: withAssumedRole policies --target-account 521111111144 --source-account 123456789012 --role DeployMaster',
    );
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });
});

describe('signals', () => {
  async function startedChild(args: string[]) {
    const subprocess = startCli([...ROLE, ...args], { env: world.env() });
    await waitForOutput(subprocess.stdout, 'ready');
    // Wrapped: a subprocess is a thenable, and returning it would await its end.
    return { subprocess };
  }

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('passes %s to the child and returns its status', async (signal) => {
    const { subprocess } = await startedChild(['--', fixture('trap-term.sh')]);
    subprocess.kill(signal);
    const result = await subprocess;
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain(`got ${signal.slice(3)}`);
  });

  it('kills a child that ignores SIGTERM after the grace period', async () => {
    const { subprocess } = await startedChild(['--kill-grace', '1', '--', fixture('trap-term.sh'), 'ignore']);
    subprocess.kill('SIGTERM');
    const result = await subprocess;
    // It lived on after the signal (it said so), and was killed, not stopped by it.
    expect(String(result.stdout)).toContain('got signal, ignoring');
    expect(result.exitCode).toBe(137);
  });

  it('ends at once with 143 on SIGTERM while assuming, and never starts the child', async () => {
    world.server.faults = { hangFirst: Number.POSITIVE_INFINITY };
    const marker = join(isolatedHome(), 'started');
    const subprocess = startCli([...ROLE, '--', 'touch', marker], { env: world.env() });
    await waitFor(() => world.server.assumeRoleCalls()[0]);
    subprocess.kill('SIGTERM');
    // STS never answers: a wrapper that waited for it would not end at all.
    const result = await subprocess;
    expect(result.exitCode).toBe(143);
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
  });
});
