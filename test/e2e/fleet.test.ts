// A block through an STS outage longer than its refresh window, and many runs
// against a throttling STS: orderings and counts from the STS's call log and the
// block's own files, never a wall-clock margin. The figures (times, bursts,
// memory over 48 refreshes) are the bench's: npm run bench, its fleet section.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startBlock } from '../support/block.ts';
import { CLI, runCli } from '../support/cli.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { waitFor } from '../support/wait.ts';

const world = useStsWorld();
const assumed = (session: string) => `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/${session}`;

describe('a block through an STS outage', () => {
  it('serves the last good credentials until they expire, then the documented error, then the role again once STS is back', async () => {
    // Twelve seconds: the first refresh comes after 3 to 6, so the outage begins with half the lifetime left.
    world.server.lifetimeSeconds = 12;
    const block = await startBlock(CLI, world.env({ AWS_REGION: 'us-east-1' }), DEPLOY_ROLE_ARN, 'outage');
    try {
      expect(block.started.exitCode, block.started.stderr).toBe(0);
      const first = await block.endpointAnswer();
      expect(first.status).toBe(200);
      world.server.faults = { refuse: 'ServiceUnavailable' };

      // The first refresh fails: the block keeps serving what it has, and its clients keep working.
      await waitFor(() => world.server.assumeRoleCalls().find((call) => call.outcome === 'ServiceUnavailable'));
      const log = () => readFileSync(join(block.dir, 'refresh.log'), 'utf8');
      await waitFor(() => log().includes('refresh failed') || undefined);
      expect(await block.endpointAnswer()).toEqual({ status: 200, accessKeyId: first.accessKeyId });
      expect(await block.callerIdentity(world.server.url)).toBe(assumed('outage'));

      // They expire unrefreshed: the body's clients fail, saying why; none falls back to another identity.
      await waitFor(() => existsSync(join(block.dir, 'error')) || undefined);
      const expiredMessage = `withAssumedRole: the credentials of ${DEPLOY_ROLE_ARN} expired and could not be refreshed`;
      const gone = await block.endpointAnswer();
      expect(gone.status).toBe(503);
      expect(gone.message).toBe(expiredMessage);
      const failed = await block.callerIdentity(world.server.url);
      expect(failed).toMatch(/^error: /);
      expect(failed).not.toContain('assumed-role');
      // Said once in the log however many retries failed, not once per retry.
      expect(log().match(/refresh failed/g)).toHaveLength(1);
      const refusedWhileDown = world.server.assumeRoleCalls().filter((call) => call.outcome === 'ServiceUnavailable').length;
      expect(refusedWhileDown).toBeGreaterThan(1);

      // STS is back: the next retry gets new credentials, and the body's next call is the role again.
      world.server.faults = {};
      await waitFor(() => !existsSync(join(block.dir, 'error')) || undefined);
      const back = await block.endpointAnswer();
      expect(back.status).toBe(200);
      expect(back.accessKeyId).not.toBe(first.accessKeyId);
      expect(await block.callerIdentity(world.server.url)).toBe(assumed('outage'));
      expect(log()).toContain('refreshed again');
      const outcomes = world.server.assumeRoleCalls().map((call) => call.outcome);
      expect(outcomes[0]).toBe('OK');
      expect(outcomes.indexOf('OK', 1)).toBeGreaterThan(refusedWhileDown);
    } finally {
      await block.stop();
    }
  });
});

describe('many runs at once against a throttling STS', () => {
  it('every run gets its credentials, however long the queue, within --assume-timeout; throttling costs attempts, not failures', {
    timeout: 180_000,
  }, async () => {
    // Their first calls arrive together (held until all have come), then STS admits two a second, and one
    // in ten of those it admits fails with 500: the last run waits about 12 s, longer than six attempts take.
    const runs = 24;
    world.server.faults = { holdUntilCalls: runs, rate: { perSecond: 2, burst: 2 }, serverErrorEvery: 10 };
    const results = await Promise.all(
      Array.from({ length: runs }, (_, index) =>
        runCli(['--role-arn', DEPLOY_ROLE_ARN, '--session-name', `stage-${index}`, '--quiet', '--', 'true'], {
          env: world.env({ AWS_REGION: 'us-east-1', CI: 'true' }),
          timeout: 120_000,
        }),
      ),
    );
    for (const result of results) expect(result.exitCode, result.stderr).toBe(0);
    const calls = world.server.assumeRoleCalls();
    const granted = calls.filter((call) => call.outcome === 'OK').map((call) => call.params.RoleSessionName);
    expect(new Set(granted).size).toBe(runs);
    expect(granted).toHaveLength(runs);
    expect(calls.filter((call) => call.outcome === 'Throttling').length).toBeGreaterThanOrEqual(runs - 2);
    expect(calls.filter((call) => call.outcome === 'InternalFailure').length).toBeGreaterThan(0);
  });
});
