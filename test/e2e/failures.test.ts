// Failure handling: what is transient is retried within bounds and a deadline;
// what is not fails at once with the exit code and a message that says what to fix.
// The loopback STS counts calls, so each test checks the outcome and the attempts.
import { describe, expect, it } from 'vitest';
import { assumeRole } from '../../src/credentials/assume.ts';
import { cleanEnv, runCli } from '../support/cli.ts';
import type { StsErrorCode } from '../support/sts-server.ts';
import { DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'failure-test'];
const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('refusals: one call, then the exit code', () => {
  it.each([
    ['AccessDenied', 77, 'AccessDenied: arn:aws:iam::123456789012:user/jenkins may not assume this role'],
    ['ExpiredToken', 77, 'the source credentials have expired (ExpiredToken)'],
    ['InvalidClientTokenId', 77, 'STS does not accept these source credentials (InvalidClientTokenId)'],
    ['SignatureDoesNotMatch', 77, 'the secret access key does not match the access key ID'],
    ['ValidationError', 78, 'STS refused the request: 1 validation error detected'],
    ['MalformedPolicyDocument', 78, 'STS refused the request: The policy is not in the valid JSON format.'],
    ['RegionDisabledException', 78, '--region eu-central-2: STS is not activated in this region'],
  ] as [StsErrorCode, number, string][])('%s exits %d', async (code, exitCode, message) => {
    world.server.faults = { refuse: code };
    const result = await runCli([...ROLE, '--region', 'eu-central-2', '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/\n {2}fix: .+\n$/);
    noStackTrace(result.stderr);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it('says the source expired and how to renew it, locally and on EC2', async () => {
    world.server.faults = { refuse: 'ExpiredToken' };
    const result = await runCli([...ROLE, '--', 'true'], { env: world.env() });
    expect(result.stderr).toContain('fix: locally: aws sso login');
    expect(result.stderr).toContain('on EC2: the instance profile renews itself');
  });

  it('names the role chaining cap when STS refuses a long chained session', async () => {
    const chained = (await assumeRole({ roleArn: DEPLOY_ROLE_ARN, sessionName: 'first-hop', env: world.env(), region: 'us-east-1' }))
      .credentials;
    const env = cleanEnv({
      AWS_ACCESS_KEY_ID: chained.accessKeyId,
      AWS_SECRET_ACCESS_KEY: chained.secretAccessKey,
      AWS_SESSION_TOKEN: chained.sessionToken,
      AWS_ENDPOINT_URL_STS: world.server.url,
    });
    const result = await runCli([...ROLE, '--duration', '2h', '--', 'true'], { env });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('--duration 2h: over the 1 hour cap STS puts on role chaining');
    expect(result.stderr).toContain('fix: pass --duration 1h; in Jenkins the block form refreshes credentials');
  });

  it('refuses before calling when the source is visibly a role session (instance profile)', async () => {
    const env = world.instanceProfileEnv();
    const result = await runCli([...ROLE, '--duration', '12h', '--', 'true'], { env });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('--duration 12h: over the 1 hour cap STS puts on role chaining; instance metadata');
    expect(world.server.assumeRoleCalls()).toHaveLength(0);
  });

  it("names the role's MaxSessionDuration when the duration is over it", async () => {
    world.server.addRole(DEPLOY_ROLE_ARN, { maxSessionDuration: 3600 });
    const result = await runCli([...ROLE, '--duration', '4h', '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain(`--duration 4h: over the MaxSessionDuration of ${DEPLOY_ROLE_ARN} (1h unless raised, 12h at most)`);
    expect(result.stderr).toContain('aws iam update-role --role-name DeployMaster --max-session-duration 14400');
    world.server.addRole(DEPLOY_ROLE_ARN, {});
  });
});

describe('transient failures: retried, bounded, within the deadline', () => {
  it('twenty parallel runs against an STS throttling its first 25 calls all succeed', async () => {
    world.server.faults = { throttleFirst: 25 };
    const results = await Promise.all(Array.from({ length: 20 }, () => runCli([...ROLE, '--quiet', '--', 'true'], { env: world.env() })));
    expect(results.map((result) => result.exitCode)).toEqual(Array(20).fill(0));
    const outcomes = world.server.assumeRoleCalls().map((call) => call.outcome);
    expect(outcomes.filter((outcome) => outcome === 'Throttling')).toHaveLength(25);
    expect(outcomes.filter((outcome) => outcome === 'OK')).toHaveLength(20);
  });

  it('retries 5xx and gives up after the last attempt without waiting after it, exit 75', async () => {
    world.server.faults = { serverErrorFirst: 100 };
    const result = await runCli([...ROLE, '--verbose', '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain('InternalFailure after 6 attempts');
    expect(world.server.assumeRoleCalls()).toHaveLength(6);
    // A wait after each of the first five, none after the sixth, each within 200 ms doubling.
    const waits = [...result.stderr.matchAll(/attempt (\d) failed \(InternalFailure\); retrying in (\d+) ms/g)];
    expect(waits.map(([, attempt]) => Number(attempt))).toEqual([1, 2, 3, 4, 5]);
    for (const [, attempt, ms] of waits) expect(Number(ms)).toBeLessThan(200 * 2 ** (Number(attempt) - 1));
  });

  it('says that STS failed in one line and its fix, without a stack trace, exit 75', async () => {
    world.server.faults = { serverErrorFirst: 100 };
    const result = await runCli([...ROLE, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain('InternalFailure after 6 attempts');
    noStackTrace(result.stderr);
  });

  it('recovers when STS answers after a few failures', async () => {
    world.server.faults = { serverErrorFirst: 2 };
    const result = await runCli([...ROLE, '--verbose', '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('attempt 1 failed (InternalFailure); retrying in');
    expect(world.server.assumeRoleCalls().map((call) => call.outcome)).toEqual(['InternalFailure', 'InternalFailure', 'OK']);
  });

  it('ends a hung STS with exit 75 within --assume-timeout', async () => {
    world.server.faults = { hangFirst: Number.POSITIVE_INFINITY };
    const started = Date.now();
    const result = await runCli([...ROLE, '--assume-timeout', '2', '--', 'true'], { env: world.env() });
    const elapsed = Date.now() - started;
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain('--assume-timeout 2: no credentials within 2 s');
    // Not before the deadline; that it ends at all is the test's own bound.
    expect(elapsed).toBeGreaterThanOrEqual(1900);
  });

  it('answers a slow STS that is still within the time limits', async () => {
    world.server.faults = { delayMs: 1500 };
    const result = await runCli([...ROLE, '--quiet', '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(0);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it('exits 75 on a malformed answer, without retrying and without a stack trace', async () => {
    world.server.faults = { garbage: true };
    const result = await runCli([...ROLE, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain('the answer was not an STS response');
    expect(result.stderr).toContain('a proxy may be answering');
    noStackTrace(result.stderr);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it('retries a connection that is refused, then exits 75 naming the endpoint', async () => {
    const result = await runCli([...ROLE, '--endpoint-url', 'http://127.0.0.1:9', '--assume-timeout', '4', '--', 'true'], {
      env: world.env(),
    });
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toMatch(/STS at http:\/\/127\.0\.0\.1:9: (ECONNREFUSED|--assume-timeout)/);
  });

  it('uses injected delays through the library API, so retry behaviour is testable in milliseconds', async () => {
    world.server.faults = { throttleFirst: 3 };
    const sleeps: number[] = [];
    const result = await assumeRole({
      roleArn: DEPLOY_ROLE_ARN,
      sessionName: 'library',
      env: world.env(),
      region: 'us-east-1',
      retryPolicy: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000 },
      clock: { now: () => 0, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
    });
    expect(result.attempts).toBe(4);
    expect(sleeps).toEqual([500, 1000, 2000]);
  });
});

describe('instance metadata', () => {
  it('is patient with a metadata service that misses an answer (the SDK alone would give up)', async () => {
    // The first lookup of the instance profile's name gets no answer; the SDK's default (no retry) would fail.
    world.server.imdsFaults = { hangOnce: ['/latest/meta-data/iam/security-credentials/'] };
    const env = world.instanceProfileEnv();
    const result = await runCli([...ROLE, '--verbose', '--', 'true'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('source credentials: instance metadata');
    expect(world.server.imdsCalls.filter((call) => call === 'GET /latest/meta-data/iam/security-credentials/')).toHaveLength(2);
  });

  it('says it was still looking for source credentials when the deadline passed', async () => {
    world.server.imdsFaults = { hangFirst: Number.POSITIVE_INFINITY };
    const result = await runCli([...ROLE, '--assume-timeout', '1', '--', 'true'], { env: world.instanceProfileEnv() });
    expect(result.exitCode).toBe(75);
    expect(result.stderr).toContain('--assume-timeout 1: no source credentials within 1 s');
    expect(result.stderr).toContain('fix: see where they are looked for with withAssumedRole doctor');
  });

  it('knows within seconds that there is no metadata service', async () => {
    world.server.imdsFaults = { hangFirst: Number.POSITIVE_INFINITY };
    const env = world.instanceProfileEnv();
    const result = await runCli([...ROLE, '--', 'true'], { env });
    expect(result.exitCode).toBe(78);
    // A bounded number of tries, each of them bounded (a second): the token, then the credentials.
    expect(world.server.imdsCalls.length).toBeGreaterThan(0);
    expect(world.server.imdsCalls.length).toBeLessThanOrEqual(4);
    expect(result.stderr).toContain('no source credentials');
    expect(result.stderr).toContain(`looked at instance metadata (${world.server.url})`);
    expect(result.stderr).toContain('IMDSv2 needs a hop limit of 2');
  });
});
