import { describe, expect, it } from 'vitest';
import { type Clock, fullJitterDelay, RetriesExhausted, type RetryPolicy, retryTransient } from '../../../src/credentials/retry.ts';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

function fakeClock(random = 0.5) {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    random: () => random,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { clock, sleeps };
}

const transient = Object.assign(new Error('Rate exceeded'), { retry: true });
const fatal = Object.assign(new Error('AccessDenied'), { retry: false });

function failing(times: number, error: Error) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    operation: async () => {
      calls += 1;
      if (calls <= times) throw error;
      return 'ok';
    },
  };
}

const options = (clock: Clock, deadline = 60_000) => ({
  policy,
  clock,
  deadline,
  signal: new AbortController().signal,
  isRetryable: (error: unknown) => (error as { retry: boolean }).retry,
});

describe('retryTransient', () => {
  it('retries transient failures with growing, jittered delays until success', async () => {
    const { clock, sleeps } = fakeClock();
    const op = failing(3, transient);
    await expect(retryTransient(op.operation, options(clock))).resolves.toBe('ok');
    expect(op.calls).toBe(4);
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('does not retry what is not retryable: one call', async () => {
    const { clock, sleeps } = fakeClock();
    const op = failing(5, fatal);
    await expect(retryTransient(op.operation, options(clock))).rejects.toBe(fatal);
    expect(op.calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('gives up after the last attempt without sleeping after it', async () => {
    const { clock, sleeps } = fakeClock();
    const op = failing(10, transient);
    const error = await retryTransient(op.operation, options(clock)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect((error as RetriesExhausted).attempts).toBe(4);
    expect((error as RetriesExhausted).lastError).toBe(transient);
    expect(sleeps).toHaveLength(3);
  });

  it('retries throttling past maxAttempts, until the deadline; the other failures still count', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { retry: true, throttled: true });
    const untilDeadline = (error: unknown) => (error as { throttled?: boolean }).throttled === true;
    const queue = fakeClock();
    const waited = failing(12, throttled);
    await expect(retryTransient(waited.operation, { ...options(queue.clock), untilDeadline })).resolves.toBe('ok');
    expect(waited.calls).toBe(13);
    // Capped at maxDelayMs, jittered: half of it with random 0.5.
    expect(queue.sleeps.slice(-3)).toEqual([500, 500, 500]);

    // With a base of its own for what is retried until the deadline: 300 ms doubling, where others have 100.
    const slower = fakeClock();
    await retryTransient(failing(3, throttled).operation, {
      ...options(slower.clock),
      policy: { ...policy, queueBaseDelayMs: 300 },
      untilDeadline,
    });
    expect(slower.sleeps).toEqual([150, 300, 500]);

    const deadline = fakeClock();
    const forever = failing(1000, throttled);
    const error = await retryTransient(forever.operation, { ...options(deadline.clock, 10_000), untilDeadline }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(deadline.sleeps.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(10_000);

    // Three throttles, then 5xx: four of those (maxAttempts) end it, at the seventh attempt.
    let calls = 0;
    const mixed = fakeClock();
    const exhausted = await retryTransient(
      async () => {
        calls += 1;
        throw calls <= 3 ? throttled : transient;
      },
      { ...options(mixed.clock), untilDeadline },
    ).catch((caught: unknown) => caught);
    expect((exhausted as RetriesExhausted).attempts).toBe(7);
  });

  it('stops when the next delay would pass the deadline', async () => {
    const { clock, sleeps } = fakeClock(0.99);
    const op = failing(10, transient);
    const error = await retryTransient(op.operation, options(clock, 250)).catch((caught: unknown) => caught);
    expect((error as RetriesExhausted).attempts).toBe(2);
    expect(sleeps).toEqual([99]);
  });

  it.each([
    [1, 0.999, 99],
    [2, 0.5, 100],
    [5, 0.5, 500],
    [10, 0.999, 999],
    [3, 0, 0],
  ])('full jitter after attempt %d with random %d waits %d ms', (attempt, random, expected) => {
    expect(fullJitterDelay(attempt, policy, () => random)).toBe(expected);
  });
});
