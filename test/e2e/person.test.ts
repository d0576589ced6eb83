// A person reproducing a stage, as aws-vault's users expect: an MFA code asked on the
// terminal (never under CI or without one), a session cached so that the next run
// neither asks nor calls STS, roles chained through a hub account, SSO profiles whose
// session has ended. Against the project's STS, which checks the codes and the trust.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, type Env, runCli } from '../support/cli.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { runOnTerminal, runWithoutTerminal } from '../support/terminal.ts';

const world = useStsWorld();
const ALICE = `arn:aws:iam::${ACCOUNT_B}:user/alice`;
const DEVICE = `arn:aws:iam::${ACCOUNT_B}:mfa/alice`;
const HUB = 'arn:aws:iam::111122223333:role/Hub';
const PROMPT = `withAssumedRole: MFA code for ${DEVICE}: `;

/** Alice's laptop: her own keys in a profile, a HOME of her own, no CI variables. */
function laptop(extra: Env = {}): { env: Env; home: string; keys: ReturnType<typeof generateCredentials> } {
  const keys = generateCredentials('AKIA');
  world.server.addUser(ALICE, keys);
  const env = cleanEnv({ AWS_ENDPOINT_URL_STS: world.server.url, AWS_PROFILE: 'alice', ...extra });
  const home = env.HOME as string;
  writeFileSync(env.AWS_CONFIG_FILE as string, `[profile alice]\nregion = eu-west-1\nmfa_serial = ${DEVICE}\n`);
  writeFileSync(
    env.AWS_SHARED_CREDENTIALS_FILE as string,
    `[alice]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
  );
  return { env, home, keys };
}

const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'alice-repro'];
const sessions = (home: string) => join(home, '.cache/with-assumed-role/sessions');

beforeEach(() => {
  world.server.addMfaDevice(DEVICE, ALICE, ['123456', '234567', '345678']);
  world.server.addRole(DEPLOY_ROLE_ARN, { requireMfa: true });
});

describe('MFA', () => {
  it("asks for the code of the profile's mfa_serial on the terminal, sends it once (GetSessionToken), then assumes the role", async () => {
    const { env } = laptop();
    const run = await runOnTerminal([...ROLE, '--', 'sh', '-c', 'echo "as $AWS_ACCESS_KEY_ID"'], env, [
      { prompt: PROMPT, reply: '123456' },
    ]);
    expect(run.exitCode, run.screen).toBe(0);
    expect(run.answered).toEqual([PROMPT]);
    expect(run.screen).toMatch(/\nas ASIA\w+\n/);
    const [session, assume] = world.server.calls;
    expect(session?.action).toBe('GetSessionToken');
    expect(session?.params).toMatchObject({ SerialNumber: DEVICE, TokenCode: '123456' });
    expect(world.server.identityOf(session?.accessKeyId)).toBe(ALICE);
    expect(assume?.action).toBe('AssumeRole');
    expect(assume?.outcome).toBe('OK');
    // The role is assumed with the MFA session, not with Alice's own keys, and no code goes with it.
    expect(assume?.accessKeyId).not.toBe(session?.accessKeyId);
    expect(assume?.params.TokenCode).toBeUndefined();
  });

  it('takes --mfa-serial and --mfa-code from a script, with no terminal', async () => {
    const { env } = laptop();
    writeFileSync(env.AWS_CONFIG_FILE as string, '[profile alice]\nregion = eu-west-1\n');
    const run = await runWithoutTerminal(
      [...ROLE, '--mfa-serial', DEVICE, '--mfa-code', '234567', '--no-session-cache', '--', 'true'],
      env,
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(world.server.sessionTokenCalls()[0]?.params).toMatchObject({ SerialNumber: DEVICE, TokenCode: '234567' });
  });

  it('never asks under CI or without a terminal: one line naming the device and how to give the code (78)', async () => {
    const ci = await runOnTerminal([...ROLE, '--', 'true'], laptop({ CI: 'true' }).env);
    expect(ci.exitCode).toBe(78);
    expect(ci.screen).not.toContain(PROMPT);
    expect(ci.screen).toContain(`withAssumedRole: MFA device ${DEVICE}: a code is needed, and CI has no person to ask`);
    expect(ci.screen).toContain('fix: pass --mfa-code');
    const none = await runWithoutTerminal([...ROLE, '--', 'true'], laptop().env);
    expect(none.exitCode).toBe(78);
    expect(none.stderr).toBe(
      `withAssumedRole: MFA device ${DEVICE}: a code is needed, and there is no terminal to ask it on\n  fix: pass --mfa-code with the device's current code (or WITH_ASSUMED_ROLE_MFA_CODE)\n`,
    );
    expect(world.server.calls).toEqual([]);
  });

  it('a wrong or a reused code is one line naming the device (77); the role is not asked for', async () => {
    const { env } = laptop();
    const wrong = await runWithoutTerminal([...ROLE, '--mfa-code', '999999', '--', 'true'], env);
    expect(wrong.exitCode).toBe(77);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `^withAssumedRole: MFA device ${DEVICE}: STS refused the code \\(wrong, too old, or used already: each code works once\\)\\n`,
      ),
    );
    expect(wrong.stderr).toContain('fix: run again with the next code the device shows');
    expect(world.server.assumeRoleCalls()).toEqual([]);
    const first = await runWithoutTerminal([...ROLE, '--mfa-code', '345678', '--no-session-cache', '--', 'true'], env);
    expect(first.exitCode, first.stderr).toBe(0);
    const reused = await runWithoutTerminal([...ROLE, '--mfa-code', '345678', '--no-session-cache', '--', 'true'], env);
    expect(reused.exitCode).toBe(77);
    expect(reused.stderr).toContain(`MFA device ${DEVICE}: STS refused the code`);
  });

  it('a six-digit code only: anything else is asked again on the terminal, and refused as a flag (64)', async () => {
    const { env } = laptop();
    const run = await runOnTerminal([...ROLE, '--no-session-cache', '--', 'true'], env, [
      { prompt: PROMPT, reply: 'abc' },
      { prompt: PROMPT, reply: '123456' },
    ]);
    expect(run.exitCode, run.screen).toBe(0);
    expect(run.screen).toContain('withAssumedRole: an MFA code is six digits');
    const flag = await runCli([...ROLE, '--mfa-code', '12345', '--', 'true'], { env });
    expect(flag.exitCode).toBe(64);
    expect(flag.stderr).toContain('withAssumedRole: --mfa-code: an MFA code is six digits');
  });
});

describe("a person's session cache", () => {
  it('a second run within the lifetime neither asks nor calls STS; forget drops it; files are 0600 and hold no source key', async () => {
    const { env, home, keys } = laptop();
    const first = await runOnTerminal([...ROLE, '--', 'true'], env, [{ prompt: PROMPT, reply: '123456' }]);
    expect(first.exitCode, first.screen).toBe(0);
    const calls = world.server.calls.length;
    const second = await runWithoutTerminal([...ROLE, '--', 'sh', '-c', 'echo "as $AWS_ACCESS_KEY_ID"'], env);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toContain(
      'withAssumedRole: your cached session: arn:aws:sts::521111111144:assumed-role/DeployMaster/alice-repro until',
    );
    expect(world.server.calls.length).toBe(calls);
    const folder = sessions(home);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    const files = readdirSync(folder);
    expect(files.map((name) => name.replace(/-[0-9a-f]{32}\.json$/, '')).sort()).toEqual(['mfa', 'role']);
    for (const name of files) {
      expect(statSync(join(folder, name)).mode & 0o777).toBe(0o600);
      const text = readFileSync(join(folder, name), 'utf8');
      expect(text).not.toContain(keys.secretAccessKey);
      expect(text).not.toContain(keys.accessKeyId);
      expect(text).not.toMatch(/code|"123456"/i);
    }
    // Another role: the MFA session still lasts, so no code is asked; one AssumeRole.
    const other = await runWithoutTerminal(
      ['--role-arn', `arn:aws:iam::${ACCOUNT_A}:role/RoleForB`, '--session-name', 'alice-repro', '--', 'true'],
      env,
    );
    expect(other.exitCode, other.stderr).toBe(0);
    expect(world.server.calls.slice(calls).map((call) => call.action)).toEqual(['AssumeRole']);
    const forget = await runCli(['forget'], { env });
    expect(forget.exitCode).toBe(0);
    expect(forget.stderr).toBe(`withAssumedRole: forgot 3 cached sessions (${folder})\n`);
    const after = await runWithoutTerminal([...ROLE, '--', 'true'], env);
    expect(after.exitCode).toBe(78);
    expect(after.stderr).toContain('a code is needed');
  });

  it('is off under CI and with --no-session-cache: nothing is written', async () => {
    const { env, home } = laptop();
    const ci = await runWithoutTerminal([...ROLE, '--mfa-code', '123456', '--', 'true'], { ...env, CI: 'true' });
    expect(ci.exitCode, ci.stderr).toBe(0);
    const off = await runWithoutTerminal([...ROLE, '--mfa-code', '234567', '--no-session-cache', '--', 'true'], env);
    expect(off.exitCode, off.stderr).toBe(0);
    expect(() => readdirSync(sessions(home))).toThrow();
  });

  it('refuses a cached file others can read, and a sessions folder others can open, naming the fix', async () => {
    const { env, home } = laptop();
    const first = await runWithoutTerminal([...ROLE, '--mfa-code', '123456', '--', 'true'], env);
    expect(first.exitCode, first.stderr).toBe(0);
    const folder = sessions(home);
    const [role] = readdirSync(folder).filter((name) => name.startsWith('role-'));
    chmodSync(join(folder, role as string), 0o644);
    const open = await runWithoutTerminal([...ROLE, '--', 'true'], env);
    expect(open.exitCode).toBe(78);
    expect(open.stderr).toContain(`withAssumedRole: session cache ${join(folder, role as string)}: readable by others (mode 644)`);
    chmodSync(join(folder, role as string), 0o600);
    chmodSync(folder, 0o755);
    const wide = await runWithoutTerminal([...ROLE, '--', 'true'], env);
    expect(wide.exitCode).toBe(78);
    expect(wide.stderr).toContain(
      `withAssumedRole: ${folder}: cached sessions must be a folder of yours that only you can open (mode 0700)`,
    );
  });
});

describe('roles on the way (--via)', () => {
  it('assumes each hop in order, each as the caller before it, with one session name; the run and the dry run show the chain', async () => {
    world.server.addRole(DEPLOY_ROLE_ARN, { trusts: ['arn:aws:sts::111122223333:assumed-role/Hub/'] });
    const env = world.env();
    const run = await runCli([...ROLE, '--via', HUB, '--', 'true'], { env });
    expect(run.exitCode, run.stderr).toBe(0);
    const [hub, deploy] = world.server.assumeRoleCalls();
    expect(hub?.params).toMatchObject({ RoleArn: HUB, RoleSessionName: 'alice-repro' });
    expect(world.server.identityOf(hub?.accessKeyId)).toBe(`arn:aws:iam::${ACCOUNT_B}:user/jenkins`);
    expect(deploy?.params).toMatchObject({ RoleArn: DEPLOY_ROLE_ARN, RoleSessionName: 'alice-repro' });
    expect(world.server.identityOf(deploy?.accessKeyId)).toBe('arn:aws:sts::111122223333:assumed-role/Hub/alice-repro');
    expect(run.stderr).toContain('withAssumedRole: assumed arn:aws:sts::521111111144:assumed-role/DeployMaster/alice-repro until');
    expect(run.stderr).toContain('via arn:aws:sts::111122223333:assumed-role/Hub/alice-repro');
    const plan = await runCli([...ROLE, '--via', HUB, '--dry-run', '--', 'true'], { env });
    expect(plan.stdout).toContain(`  via                ${HUB} -> the role, each as session alice-repro`);
    expect(plan.stdout).toContain(
      "withAssumedRole(roleArn: 'arn:aws:iam::521111111144:role/DeployMaster', sessionName: 'alice-repro', via: 'arn:aws:iam::111122223333:role/Hub', command: 'true')",
    );
  });

  it('a hop that refuses is named, with the policies that would let the caller in (77); over an hour is refused before STS (78)', async () => {
    world.server.addRole(HUB, { trusts: ['arn:aws:iam::999999999999:'] });
    const env = world.env();
    const refused = await runCli([...ROLE, '--via', HUB, '--', 'true'], { env });
    expect(refused.exitCode).toBe(77);
    expect(refused.stderr).toMatch(
      /^withAssumedRole: --via, hop 1 of 2: arn:aws:iam::111122223333:role\/Hub: AccessDenied: arn:aws:iam::123456789012:user\/jenkins may not assume this role\n/,
    );
    expect(refused.stderr).toContain(
      'fix: withAssumedRole policies --target-account 111122223333 --source-account 123456789012 --role Hub',
    );
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
    world.server.reset();
    const long = await runCli([...ROLE, '--via', HUB, '--duration', '2h', '--', 'true'], { env });
    expect(long.exitCode).toBe(78);
    expect(long.stderr).toContain(
      `withAssumedRole: --duration 2h: over the 1 hour cap STS puts on role chaining; the role is assumed from --via ${HUB}, a role session`,
    );
    expect(world.server.calls).toEqual([]);
  });

  it('MFA at the hub: the person asks for the code, the hub trusts the MFA session, the deploy role trusts the hub', async () => {
    world.server.addRole(DEPLOY_ROLE_ARN, { trusts: ['arn:aws:sts::111122223333:assumed-role/Hub/'] });
    world.server.addRole(HUB, { requireMfa: true, trusts: [ALICE] });
    const { env } = laptop();
    const run = await runOnTerminal([...ROLE, '--via', HUB, '--', 'true'], env, [{ prompt: PROMPT, reply: '123456' }]);
    expect(run.exitCode, run.screen).toBe(0);
    expect(world.server.calls.map((call) => [call.action, call.params.RoleArn, call.outcome])).toEqual([
      ['GetSessionToken', undefined, 'OK'],
      ['AssumeRole', HUB, 'OK'],
      ['AssumeRole', DEPLOY_ROLE_ARN, 'OK'],
    ]);
  });

  it("a profile whose own role_arn asks for MFA: the SDK's profile provider gets the code, sent with its AssumeRole", async () => {
    const { env } = laptop();
    world.server.addRole(HUB, { requireMfa: true });
    world.server.addRole(DEPLOY_ROLE_ARN, {});
    writeFileSync(
      env.AWS_CONFIG_FILE as string,
      `[profile alice]\nregion = eu-west-1\n[profile hub]\nregion = eu-west-1\nrole_arn = ${HUB}\nsource_profile = alice\nmfa_serial = ${DEVICE}\n`,
    );
    const run = await runOnTerminal([...ROLE, '--profile', 'hub', '--no-session-cache', '--', 'true'], env, [
      { prompt: PROMPT, reply: '234567' },
    ]);
    expect(run.exitCode, run.screen).toBe(0);
    const [hub, deploy] = world.server.assumeRoleCalls();
    expect(hub?.params).toMatchObject({ RoleArn: HUB, SerialNumber: DEVICE, TokenCode: '234567' });
    expect(deploy?.params.RoleArn).toBe(DEPLOY_ROLE_ARN);
    expect(world.server.sessionTokenCalls()).toEqual([]);
  });
});

describe('SSO profiles', () => {
  /** An IAM Identity Center profile, and its token as `aws sso login` leaves it (or none). */
  function ssoLaptop(token: { expiresAt: string } | undefined): Env {
    const env = cleanEnv({ AWS_ENDPOINT_URL_STS: world.server.url });
    writeFileSync(
      env.AWS_CONFIG_FILE as string,
      '[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Deployers\nregion = eu-west-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n',
    );
    if (token !== undefined) {
      const cache = join(env.HOME as string, '.aws/sso/cache');
      mkdirSync(cache, { recursive: true });
      // The SDK's name for the session's token file: the SHA-1 of the session's name.
      const name = `${createHash('sha1').update('corp').digest('hex')}.json`;
      writeFileSync(
        join(cache, name),
        JSON.stringify({ accessToken: 'sso-token', region: 'eu-west-1', startUrl: 'https://corp.awsapps.com/start', ...token }),
      );
    }
    return env;
  }

  it.each([
    [
      'ended',
      { expiresAt: '2026-01-01T00:00:00Z' },
      77,
      'profile dev: its SSO session has expired',
      'profile dev: its SSO session ended at 2026-01-01T00:00:00.000Z',
    ],
    [
      'never started',
      undefined,
      78,
      'profile dev: no SSO session (not logged in on this machine)',
      'profile dev: no SSO session (not logged in on this machine)',
    ],
  ] as const)(
    'a session %s: one line naming the profile and aws sso login, in the run, doctor and the dry run',
    async (_, token, code, message, planned) => {
      const env = ssoLaptop(token);
      const run = await runCli([...ROLE, '--profile', 'dev', '--', 'true'], { env });
      expect(run.exitCode).toBe(code);
      expect(run.stderr).toBe(`withAssumedRole: ${message}\n  fix: aws sso login --profile dev\n`);
      const doctor = await runCli(['doctor', ...ROLE, '--profile', 'dev'], { env });
      expect(doctor.stdout).toContain(`FAIL  credential source  ${message}\n                         fix: aws sso login --profile dev\n`);
      const plan = await runCli([...ROLE, '--profile', 'dev', '--dry-run', '--', 'true'], { env });
      expect(plan.stdout).toContain(`credential source  ${planned}: run aws sso login --profile dev first`);
      expect(world.server.calls).toEqual([]);
    },
  );
});
