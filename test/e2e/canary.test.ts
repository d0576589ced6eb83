// The canary suite: known source and assumed credentials go through every command
// and mode, and may show up only where intended: the child's environment, print's
// stdout, the block form's 0600 cache, a person's 0600 session cache (the assumed
// ones only). Never stderr, messages, argv, other files or the Jenkins console, at
// any verbosity, on success or on any failure.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { cleanEnv, fixture, isolatedHome, runCli, startCli } from '../support/cli.ts';
import { buildVariables, describeWithGroovy, runPipeline } from '../support/jenkins-harness.ts';
import type { StsErrorCode, StsFaults } from '../support/sts-server.ts';
import { ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { describeWithTinyproxy, freePort, useTinyproxy } from '../support/tinyproxy.ts';
import { waitForOutput } from '../support/wait.ts';

const world = useStsWorld();

const SOURCE = { accessKeyId: 'AKIACANARYSOURCE0001', secretAccessKey: 'canary/SOURCE+secret=key/00000000000000000' };
const ASSUMED = {
  accessKeyId: 'ASIACANARYASSUMED001',
  secretAccessKey: 'canary/ASSUMED+secret/key=0000000000000000',
  sessionToken: 'IQoJcanary+ASSUMED/session=token/0000000000000000000000000000000000000000==',
};
const SECRETS = [SOURCE.accessKeyId, SOURCE.secretAccessKey, ASSUMED.accessKeyId, ASSUMED.secretAccessKey, ASSUMED.sessionToken];
/** \uXXXX of a character, in either case of hex. */
const unicode = (char: string, upper: boolean) => {
  const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
};
/** Every form masking knows: as is, URL-encoded, JSON's \/, and JSON \u escapes of some or all characters, in either case. */
const FORMS = SECRETS.flatMap((secret) => [
  secret,
  encodeURIComponent(secret),
  encodeURIComponent(secret)
    .toLowerCase()
    .replace(/%[0-9a-f]{2}/g, (hex) => hex),
  secret.replaceAll('/', '\\/'),
  [...secret].map((char) => (/[A-Za-z0-9]/.test(char) ? char : unicode(char, false))).join(''),
  [...secret].map((char) => (/[A-Za-z0-9]/.test(char) ? char : unicode(char, true))).join(''),
  [...secret].map((char) => unicode(char, false)).join(''),
]);
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'canary'];

function expectNoCanary(text: string, where: string): void {
  for (const form of FORMS) expect(text.includes(form), `${where} holds ${form}`).toBe(false);
}

/**
 * Every file under `dir` (a HOME) holding a canary, but the ones allowed; a person's
 * session cache may hold the assumed credentials, in files of mode 0600, never a source key.
 */
function filesWithCanaries(dir: string, allowed: string[] = []): string[] {
  const found: string[] = [];
  const sessions = join(dir, '.cache/with-assumed-role/sessions/');
  const sourceForms = FORMS.filter((form) => form.includes('SOURCE') || form.includes('CANARYSOURCE'));
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const path = join(dir, entry);
    if (!statSync(path).isFile() || allowed.includes(path)) continue;
    const content = readFileSync(path, 'latin1');
    const session = path.startsWith(sessions) && (statSync(path).mode & 0o777) === 0o600;
    if ((session ? sourceForms : FORMS).some((form) => content.includes(form))) found.push(path);
  }
  return found;
}

function sourceEnv(extra: Record<string, string | undefined> = {}) {
  world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/canary`, SOURCE);
  world.server.nextCredentials.push({ ...ASSUMED });
  return cleanEnv({
    AWS_ACCESS_KEY_ID: SOURCE.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SOURCE.secretAccessKey,
    AWS_ENDPOINT_URL: world.server.url,
    ...extra,
  });
}

const REFUSALS: StsErrorCode[] = [
  'AccessDenied',
  'ExpiredToken',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ValidationError',
  'RegionDisabledException',
];
const SCENARIOS: [string, string[], StsFaults][] = [
  ['success', ['--', 'true'], {}],
  ['success, --verbose', ['--verbose', '--', 'true'], {}],
  ['success, --quiet', ['--quiet', '--', 'true'], {}],
  ['--dry-run', ['--dry-run', '--verbose', '--', 'true'], {}],
  ['the child prints its environment, masked', ['--verbose', '--mask', '--', 'env'], {}],
  ['the child prints every escaped form of its credentials, masked', ['--mask', '--', fixture('print-escaped.mjs')], {}],
  ...REFUSALS.map((code): [string, string[], StsFaults] => [`${code}, --verbose`, ['--verbose', '--', 'true'], { refuse: code }]),
  ['throttled until --assume-timeout, --verbose', ['--verbose', '--assume-timeout', '2', '--', 'true'], { throttleFirst: 1000 }],
  ['a hung STS, --verbose', ['--verbose', '--assume-timeout', '1', '--', 'true'], { hangFirst: Number.POSITIVE_INFINITY }],
  ['a garbage answer, --verbose', ['--verbose', '--', 'true'], { garbage: true }],
  ['command not found, --verbose', ['--verbose', '--', 'no-such-command'], {}],
  ['a usage error, --verbose', ['--verbose', '--duration', 'forever', '--', 'true'], {}],
];

describe('canaries in the default command', () => {
  it.each(SCENARIOS)('%s: none on stdout, stderr or in files', async (_name, args, faults) => {
    world.server.faults = faults;
    const env = sourceEnv();
    const result = await runCli([...ROLE, ...args], { env, cwd: env.HOME as string });
    expectNoCanary(result.stdout, 'stdout');
    expectNoCanary(result.stderr, 'stderr');
    expect(filesWithCanaries(env.HOME as string)).toEqual([]);
  });

  it('gives the child the credentials: there, and only there, they are (the child chose to print them)', async () => {
    const result = await runCli([...ROLE, '--no-mask', '--verbose', '--', 'sh', '-c', 'echo "$AWS_SECRET_ACCESS_KEY"'], {
      env: sourceEnv(),
    });
    expect(result.stdout).toBe(`${ASSUMED.secretAccessKey}\n`);
    expectNoCanary(result.stderr, 'stderr');
  });

  it('never puts credentials in any process argument list', async () => {
    const list = join(isolatedHome(), 'canaries.txt');
    writeFileSync(list, SECRETS.join('\n'));
    const result = await runCli([...ROLE, '--mask', '--', fixture('scan-argv.mjs'), list], { env: sourceEnv() });
    expect(result.stdout).toBe('argv canaries: 0\n');
    // And from outside, while the wrapper and its child are running: the child says so, and the scan sees both.
    const running = startCli([...ROLE, '--', 'sh', '-c', 'echo canary-child-running; exec sleep 600'], { env: sourceEnv() });
    await waitForOutput(running.stdout, 'canary-child-running');
    const { stdout } = await execa(process.execPath, [fixture('scan-argv.mjs'), list, 'canary-child-running']);
    running.kill('SIGTERM');
    expect(stdout).toMatch(/^argv canaries: 0\nprocesses with canary-child-running: [1-9]$/);
    expect((await running).exitCode).toBe(143);
  });
});

describe('canaries in the other commands', () => {
  it.each([
    ['verify', ['verify', ...ROLE, '--verbose', '--json']],
    ['doctor', ['doctor', ...ROLE, '--verbose']],
    ['policies', ['policies', '--target-account', '521111111144', '--source-account', ACCOUNT_B, '--role', 'RoleForB', '--verbose']],
  ])('%s --verbose prints none', async (_name, args) => {
    const env = sourceEnv();
    const result = await runCli(args, { env, cwd: env.HOME as string });
    expectNoCanary(result.stdout, 'stdout');
    expectNoCanary(result.stderr, 'stderr');
  });

  it.each(['env', 'process', 'json'])('print --format %s: the assumed credentials on stdout, nothing else anywhere', async (format) => {
    const env = sourceEnv();
    const result = await runCli(['print', ...ROLE, '--format', format, '--verbose'], { env, cwd: env.HOME as string });
    expect(result.stdout).toContain(ASSUMED.secretAccessKey);
    expect(result.stdout).not.toContain(SOURCE.secretAccessKey);
    expectNoCanary(result.stderr, 'stderr');
    expect(filesWithCanaries(env.HOME as string)).toEqual([]);
  });

  it('print --cache-file: the 0600 cache is the one file holding them', async () => {
    const env = sourceEnv();
    const cache = join(env.HOME as string, 'cache.json');
    await runCli(['print', ...ROLE, '--cache-file', cache, '--verbose'], { env, cwd: env.HOME as string });
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(readFileSync(cache, 'utf8')).toContain(ASSUMED.secretAccessKey);
    expect(filesWithCanaries(env.HOME as string, [cache])).toEqual([]);
  });
});

describeWithGroovy('canaries in the Jenkins step', () => {
  it('block and command forms, success and failure: the console holds none, the workspace keeps none', async () => {
    const list = join(isolatedHome(), 'canaries.txt');
    writeFileSync(list, SECRETS.join('\n'));
    // The source keys come the way Jenkins gives them: withCredentials, into the pipeline's environment.
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...env } = sourceEnv({ AWS_DEFAULT_REGION: 'us-east-1' });
    world.server.nextCredentials.push({ ...ASSUMED }, { ...ASSUMED });
    const run = await runPipeline(
      `
withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: 'canary-keys']]) {
  withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}') {
    sh 'aws sts get-caller-identity --query Arn --output text'
    sh 'env | grep ^AWS_ || true'
    sh '"${process.execPath}" ${fixture('scan-argv.mjs')} ${list}'
  }
  withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', command: 'env; aws sts get-caller-identity', returnStatus: true)
  withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', command: 'echo "$AWS_SECRET_ACCESS_KEY"; exit 9')
}
`,
      env,
      {
        pipelineEnv: buildVariables({ JOB_NAME: 'canary', BUILD_NUMBER: '1', BUILD_ID: '1' }),
        credentials: { 'canary-keys': { type: 'aws', ...SOURCE } },
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.console).toContain('argv canaries: 0');
    expect(run.console).toContain('ERROR: withAssumedRole: exit code 9');
    expectNoCanary(run.console, 'the console');
    expect(filesWithCanaries(`${run.workspace}@tmp`)).toEqual([]);
    expect(world.server.assumeRoleCalls()).toHaveLength(3);
  });
});

describeWithTinyproxy('the proxy password, a secret too', () => {
  // tinyproxy's config takes no quoting: a password of letters, digits and dashes.
  const PROXY_PASSWORD = 'canary-PROXY-passw0rd';
  const guarded = useTinyproxy({ basicAuth: { user: 'alice', password: PROXY_PASSWORD } });
  const proxyUrl = (password: string) => guarded.proxy.url.replace('http://', `http://alice:${encodeURIComponent(password)}@`);
  const forms = (password: string) => [password, encodeURIComponent(password), Buffer.from(`alice:${password}`).toString('base64')];

  it.each([
    ['success, --verbose', ['--verbose', '--', 'true'], {}],
    ['--dry-run', ['--dry-run', '--verbose', '--', 'true'], {}],
    ['AccessDenied, --verbose', ['--verbose', '--', 'true'], { refuse: 'AccessDenied' }],
    ['a garbage answer, --verbose', ['--verbose', '--', 'true'], { garbage: true }],
    ['doctor', ['doctor', '--verbose'], {}],
    ['print', ['print', '--verbose'], {}],
  ] as [string, string[], StsFaults][])(
    '%s: the plain HTTP endpoint through HTTP_PROXY, the password nowhere',
    async (_name, args, faults) => {
      world.server.faults = faults;
      const env = sourceEnv({ HTTP_PROXY: proxyUrl(PROXY_PASSWORD) });
      const [first, ...rest] = args;
      const command = first === 'doctor' || first === 'print' ? [first, ...ROLE, ...rest] : [...ROLE, ...args];
      const result = await runCli(command, { env, cwd: env.HOME as string });
      for (const form of forms(PROXY_PASSWORD)) expect(result.all).not.toContain(form);
      expect(filesWithCanaries(env.HOME as string)).toEqual([]);
      if (first !== '--dry-run') expect(guarded.proxy.forwarded().every((url) => url.startsWith(world.server.url))).toBe(true);
      if (first !== '--dry-run') expect(guarded.proxy.forwarded().length).toBeGreaterThan(0);
    },
  );

  it('a wrong password, and a proxy that is down: failures that name the proxy, never the password', async () => {
    const wrong = await runCli([...ROLE, '--verbose', '--', 'true'], {
      env: sourceEnv({ HTTP_PROXY: proxyUrl('canary-WRONG/pass:word') }),
    });
    expect(wrong.exitCode).toBe(78);
    expect(wrong.stderr).toContain(
      `withAssumedRole: http://alice:****@127.0.0.1:${guarded.proxy.port}: refused its credentials (401 Unauthorized)\n`,
    );
    for (const form of forms('canary-WRONG/pass:word')) expect(wrong.all).not.toContain(form);
    const down = `http://alice:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${await freePort()}`;
    const refused = await runCli([...ROLE, '--verbose', '--', 'true'], { env: sourceEnv({ HTTP_PROXY: down }) });
    expect(refused.exitCode).toBe(75);
    expect(refused.stderr).toContain('refused the connection, 6 times');
    for (const form of forms(PROXY_PASSWORD)) expect(refused.all).not.toContain(form);
  });
});
