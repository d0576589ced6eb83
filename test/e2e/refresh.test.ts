// --refresh: the command gets a local credentials endpoint instead of static keys;
// the wrapper assumes the role again before expiry, real clients keep working.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CLIENTS, availableClients, identitiesIn } from '../support/aws-clients.ts';
import { fixture, isolatedHome, runCli, startCli } from '../support/cli.ts';
import { expectedResult } from '../support/sdk-matrix.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { waitForOutput } from '../support/wait.ts';

const world = useStsWorld({ tls: true });
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'refreshing', '--region', 'us-east-1'];
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/refreshing`;
const env = (extra: Record<string, string | undefined> = {}) =>
  world.env({ WAR_TEST_PROXY: world.redirect?.proxyUrl, WAR_TEST_CA: world.redirect?.caFile, ...extra });

/** An address of this machine that is not loopback, if it has one. */
const otherAddress = () =>
  Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

describe('--refresh', () => {
  // Four clients a round, a round per refresh at least: minutes on a busy 2-core machine, not the default 30 s.
  it('keeps the AWS CLIs, boto3 and the JS SDK working across refreshes', { timeout: 180_000 }, async () => {
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const clients = availableClients();
    const result = await runCli([...ROLE, '--refresh', '--', fixture('until-refreshed.sh'), '4', ...clients], {
      env: env(),
      timeout: 170_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const rounds = Number(/^done after (\d+) rounds$/m.exec(result.stdout)?.[1]);
    expect(rounds).toBeLessThan(200);
    const seen = identitiesIn(result.stdout);
    for (const client of clients) {
      expect(seen[client]?.length, client).toBe(rounds);
      expect(new Set(seen[client]), client).toEqual(new Set([ASSUMED]));
    }
    const calls = world.server.assumeRoleCalls();
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(result.stderr).not.toContain('refreshing the credentials failed');
  });

  it('assumes once per lifetime, not once per fetch: rounds of every client within one session cost one AssumeRole', async () => {
    const clients = availableClients();
    const rounds = `for round in 1 2 3; do ${fixture('identities.sh')} ${clients.join(' ')}; done`;
    const result = await runCli([...ROLE, '--refresh', '--', 'sh', '-c', rounds], { env: env() });
    expect(result.exitCode, result.stderr).toBe(0);
    const seen = identitiesIn(result.stdout);
    for (const client of clients) expect(seen[client], client).toEqual([ASSUMED, ASSUMED, ASSUMED]);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it('gives the command an endpoint, no keys; refuses strangers; its token shows up nowhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'war-token-'));
    const tokenFile = join(dir, 'token');
    const script = `printf '%s' "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > ${tokenFile}
echo "keys=[$AWS_ACCESS_KEY_ID][$AWS_SECRET_ACCESS_KEY][$AWS_SESSION_TOKEN] uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI token=$AWS_CONTAINER_AUTHORIZATION_TOKEN"
"${process.execPath}" ${fixture('endpoint-probe.mjs')} ${otherAddress() ?? ''}
"${process.execPath}" ${fixture('scan-argv.mjs')} ${tokenFile}`;
    const result = await runCli([...ROLE, '--refresh', '--mask', '--verbose', '--', 'sh', '-c', script], {
      env: env({ AWS_SESSION_TOKEN: 'parent-token', AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z' }),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const token = readFileSync(tokenFile, 'utf8');
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(result.stdout).toMatch(/^keys=\[\]\[\]\[\] uri=http:\/\/127\.0\.0\.1:\d+\/[\w-]{24} token=\*\*\*\*$/m);
    expect(result.stdout).toContain('probe right 200');
    expect(result.stdout).toContain('probe wrong-token 401');
    expect(result.stdout).toContain('probe no-token 401');
    expect(result.stdout).toContain('probe other-path 404');
    expect(result.stdout).toContain('probe post 405');
    if (otherAddress() !== undefined) expect(result.stdout).toContain('probe other-address ECONNREFUSED');
    expect(result.stdout).toContain('argv canaries: 0');
    expect(result.all).not.toContain(token);
  });

  // Each spelling some SDK's INI reader takes for the default profile, and the files an env file names: the
  // command's clients must act as the role (or, too old for the endpoint, fail), never as that profile's user.
  const DEFAULTS: [string, { config?: string; credentials?: string; viaEnvFile?: boolean }][] = [
    ['[default] ; a comment', { credentials: '[default] ; a comment\nKEYS' }],
    ['[default] # a comment', { credentials: '[default] # a comment\nKEYS' }],
    ['indented keys', { credentials: '[default]\n  KEYS' }],
    ['tab-indented keys', { credentials: '[default]\n\tKEYS' }],
    ['key : value', { credentials: '[default]\nKEYS' }],
    ['[profile "default"] in the config', { config: '[profile "default"]\nKEYS' }],
    [
      '[profile default] in the config, with nested settings',
      { config: '[profile default]\nregion = us-east-1\ns3 =\n  addressing_style = path\nKEYS' },
    ],
    ['shared files named in an --env-file', { credentials: '[default]\nKEYS', viaEnvFile: true }],
  ];
  it.each(DEFAULTS)("is not beaten by a default profile's own credentials: %s", async (name, files) => {
    const home = isolatedHome();
    const keys = world.server.addUser('arn:aws:iam::123456789012:user/laptop-default');
    const separator = name === 'key : value' ? ' : ' : ' = ';
    const indent = name === 'indented keys' ? '  ' : name === 'tab-indented keys' ? '\t' : '';
    const keyLines = `aws_access_key_id${separator}${keys.accessKeyId}\n${indent}aws_secret_access_key${separator}${keys.secretAccessKey}\n`;
    const paths = { config: join(home, 'named-config'), credentials: join(home, 'named-credentials') };
    writeFileSync(paths.config, (files.config ?? '').replace('KEYS', keyLines));
    writeFileSync(paths.credentials, (files.credentials ?? '').replace('KEYS', keyLines));
    const envFile = join(home, 'ci.env');
    writeFileSync(envFile, `AWS_CONFIG_FILE=${paths.config}\nAWS_SHARED_CREDENTIALS_FILE=${paths.credentials}\n`);
    const clients = availableClients(ALL_CLIENTS).filter((client) => client !== 'v2');
    const shared = files.viaEnvFile
      ? { AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined }
      : { AWS_CONFIG_FILE: paths.config, AWS_SHARED_CREDENTIALS_FILE: paths.credentials };
    const result = await runCli(
      [...ROLE, '--refresh', ...(files.viaEnvFile ? ['--env-file', envFile] : []), '--', fixture('identities.sh'), ...clients],
      {
        env: env(shared),
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const seen = identitiesIn(result.stdout);
    for (const client of clients) {
      const line = seen[client]?.[0] ?? '(none)';
      expect(line, `${client}: ${result.stdout}`).not.toContain('laptop-default');
      if (expectedResult('ec2', 'cli-refresh', client) === 'role') expect(line, client).toBe(ASSUMED);
      else expect(line, client).not.toMatch(/^arn:/);
    }
  });

  it('retries a refresh that failed transiently; reports a refused one once, and the next fetch after expiry fails cleanly', async () => {
    world.server.lifetimeSeconds = 3;
    world.server.faults = { serverErrorOn: [2], refuse: 'AccessDenied', refuseFrom: 4 };
    // Until the endpoint says the credentials are gone; then one more call.
    const script = `until [ "$(${process.execPath} -e 'fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } }).then((r) => console.log(r.status))')" = 503 ]; do sleep 0.2; done
aws sts get-caller-identity; echo "aws exit $?"`;
    const result = await runCli([...ROLE, '--refresh', '--', 'sh', '-c', script], { env: env(), timeout: 60_000 });
    expect(result.exitCode).toBe(0);
    const outcomes = world.server.assumeRoleCalls().map((call) => call.outcome);
    expect(outcomes.slice(0, 4)).toEqual(['OK', 'InternalFailure', 'OK', 'AccessDenied']);
    expect(result.stderr.match(/refreshing the credentials failed/g)).toHaveLength(1);
    expect(result.stderr).toContain(`${DEPLOY_ROLE_ARN}: AccessDenied`);
    expect(result.stderr).toMatch(/the credentials expired at \S+ unrefreshed: the command's next fetch of them fails/);
    expect(result.stdout).toContain('aws exit 255');
    expect(result.stderr).toContain('Received non 200 response 503 from container metadata: {"Code":"CredentialsExpired"');
  });

  it('recovers once STS answers again after the credentials expired: says so, and the next call acts as the role', async () => {
    world.server.lifetimeSeconds = 3;
    world.server.faults = { refuse: 'ServiceUnavailable', refuseFrom: 2 };
    const dir = mkdtempSync(join(tmpdir(), 'war-recover-'));
    const status = `${process.execPath} -e 'fetch(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, { headers: { authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } }).then((r) => console.log(r.status))'`;
    const script = `until [ "$(${status})" = 503 ]; do sleep 0.2; done; echo expired
until [ -e ${dir}/sts-back ]; do sleep 0.05; done
until [ "$(${status})" = 200 ]; do sleep 0.2; done
${fixture('identities.sh')} v1`;
    try {
      const running = startCli([...ROLE, '--refresh', '--', 'sh', '-c', script], { env: env(), timeout: 60_000 });
      await waitForOutput(running.stdout, 'expired');
      world.server.faults = {};
      writeFileSync(join(dir, 'sts-back'), '');
      const result = await running;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(identitiesIn(String(result.stdout)).v1).toEqual([ASSUMED]);
      const stderr = String(result.stderr);
      expect(stderr.indexOf('refreshing the credentials failed')).toBeGreaterThanOrEqual(0);
      expect(stderr.indexOf('unrefreshed')).toBeGreaterThan(stderr.indexOf('refreshing the credentials failed'));
      expect(stderr.indexOf("refreshed again: the command's next fetch gets the role's credentials")).toBeGreaterThan(
        stderr.indexOf('unrefreshed'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the exit status and signals through as without --refresh, and closes the endpoint', async () => {
    expect((await runCli([...ROLE, '--refresh', '--', 'sh', '-c', 'exit 7'], { env: env() })).exitCode).toBe(7);
    const subprocess = startCli(
      [...ROLE, '--refresh', '--', 'sh', '-c', `echo "uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI"; exec ${fixture('trap-term.sh')}`],
      {
        env: env(),
      },
    );
    const uri = await new Promise<string>((resolve) => {
      let text = '';
      subprocess.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const found = /uri=(\S+)\n[\s\S]*ready/.exec(text);
        if (found) resolve(found[1] as string);
      });
    });
    subprocess.kill('SIGTERM');
    const result = await subprocess;
    expect(result.exitCode).toBe(0);
    expect(String(result.stdout)).toContain('got TERM');
    await expect(fetch(uri)).rejects.toThrow();
  });
});
