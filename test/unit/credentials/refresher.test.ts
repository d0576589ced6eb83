import { describe, expect, it } from 'vitest';
import { Refresher, refreshAt, retryDelayMs, type Timers } from '../../../src/credentials/refresher.ts';

/** Timers that run only when the test moves the clock. */
function fakeTimers(random = () => 0): Timers & { advance(ms: number): Promise<void> } {
  let now = 0;
  let next = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    random,
    setTimeout: (callback, ms) => {
      next += 1;
      pending.set(next, { at: now + ms, callback });
      return next;
    },
    clearTimeout: (handle) => pending.delete(handle as number),
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        pending.delete(due[0]);
        now = due[1].at;
        due[1].callback();
        for (let i = 0; i < 10; i += 1) await Promise.resolve();
      }
      now = until;
    },
  };
}

const HOUR = 3600_000;
const MINUTE = 60_000;

describe('refreshAt', () => {
  it.each([
    ['a 1 h session: 15 minutes before expiry', 0, HOUR, 45 * MINUTE],
    ['a 12 h session: 15 minutes before expiry', 0, 12 * HOUR, 12 * HOUR - 15 * MINUTE],
    ['a 20 minute session: half its lifetime', 0, 20 * MINUTE, 10 * MINUTE],
    ['4 seconds: after 2', 1000, 5000, 3000],
  ])('%s, at the latest', (_name, issued, expires, expected) => {
    expect(refreshAt(issued, expires, 0)).toBe(expected);
  });
  it.each([
    ['a 1 h session: between 22.5 and 15 minutes before expiry', 0, HOUR, 37.5 * MINUTE],
    ['a 20 minute session: between a quarter and half its lifetime', 0, 20 * MINUTE, 5 * MINUTE],
  ])('%s', (_name, issued, expires, earliest) => {
    expect(refreshAt(issued, expires, 1)).toBe(earliest);
    expect(refreshAt(issued, expires, 0.5)).toBe((earliest + refreshAt(issued, expires, 0)) / 2);
  });
  it('retries a failed fetch after a quarter of the time left, between 1 and 30 s', () => {
    expect(retryDelayMs(0, HOUR)).toBe(30_000);
    expect(retryDelayMs(0, 8000)).toBe(2000);
    expect(retryDelayMs(0, 100)).toBe(1000);
  });
});

describe('Refresher', () => {
  const credentials = (name: string, expiresAt: number) => ({ name, expiration: new Date(expiresAt) });

  it('fetches before expiry, again for each new value, and stops', async () => {
    const timers = fakeTimers();
    const fetched: string[] = [];
    let round = 0;
    const refresher = new Refresher(credentials('first', HOUR), (value) => value.expiration, {
      fetch: async () => {
        round += 1;
        return credentials(`round ${round}`, timers.now() + HOUR);
      },
      update: (value) => {
        fetched.push(value.name);
      },
      failed: () => undefined,
      expired: () => undefined,
      timers,
    });
    await timers.advance(45 * MINUTE - 1);
    expect(fetched).toEqual([]);
    await timers.advance(1);
    expect(fetched).toEqual(['round 1']);
    expect(refresher.current?.name).toBe('round 1');
    await timers.advance(45 * MINUTE);
    expect(fetched).toEqual(['round 1', 'round 2']);
    refresher.stop();
    await timers.advance(10 * HOUR);
    expect(fetched).toEqual(['round 1', 'round 2']);
  });

  it('keeps the current credentials while fetching fails, says so once per kind of failure, then reports them expired', async () => {
    const timers = fakeTimers();
    const failures: [string, boolean][] = [];
    let expired = 0;
    let fail = true;
    const refresher = new Refresher(credentials('first', 8000), (value) => value.expiration, {
      fetch: async () => {
        if (fail) throw new Error('AccessDenied');
        return credentials('later', timers.now() + 8000);
      },
      update: () => undefined,
      failed: (error, repeated) => failures.push([(error as Error).message, repeated]),
      expired: () => {
        expired += 1;
      },
      timers,
    });
    await timers.advance(4000);
    expect(failures).toEqual([['AccessDenied', false]]);
    expect(refresher.current?.name).toBe('first');
    await timers.advance(3999);
    expect(refresher.current?.name).toBe('first');
    expect(failures.length).toBeGreaterThan(1);
    expect(failures.slice(1).every(([, repeated]) => repeated)).toBe(true);
    await timers.advance(1);
    expect(refresher.current).toBeUndefined();
    expect(expired).toBe(1);
    fail = false;
    await timers.advance(1000);
    expect(refresher.current?.name).toBe('later');
    refresher.stop();
  });

  it('blocks started together refresh spread over the window, and stay spread cycle after cycle', async () => {
    // A fixed sequence in [0, 1) standing in for Math.random: 50 blocks, 4 lifetimes.
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return (seed - 1) / 2147483646;
    };
    const timers = fakeTimers(random);
    const fetchedAt: number[] = [];
    const blocks = Array.from(
      { length: 50 },
      () =>
        new Refresher(credentials('first', HOUR), (value) => value.expiration, {
          fetch: async () => {
            fetchedAt.push(timers.now());
            return credentials('again', timers.now() + HOUR);
          },
          update: () => undefined,
          failed: () => undefined,
          expired: () => undefined,
          timers,
        }),
    );
    await timers.advance(4 * HOUR);
    for (const block of blocks) block.stop();
    // In half-minutes: a fifteenth of the 7.5-minute window, as the fleet bench's seconds are of its 15-second one.
    const perHalfMinute = new Map<number, number>();
    for (const at of fetchedAt) {
      const slot = Math.floor(at / (MINUTE / 2));
      perHalfMinute.set(slot, (perHalfMinute.get(slot) ?? 0) + 1);
    }
    // Every block refreshed in every lifetime, none later than 15 minutes before expiry...
    expect(fetchedAt.length).toBeGreaterThanOrEqual(50 * 4);
    expect(fetchedAt.filter((at) => at < 37.5 * MINUTE)).toEqual([]);
    // ...and no half-minute took more than a quarter of them (all 50 in one instant without jitter).
    expect(Math.max(...perHalfMinute.values())).toBeLessThanOrEqual(12);
    expect(perHalfMinute.size).toBeGreaterThan(40);
  });

  it('never refreshes credentials that do not expire', async () => {
    const timers = fakeTimers();
    let fetches = 0;
    new Refresher({ expiration: undefined }, (value) => value.expiration, {
      fetch: async () => {
        fetches += 1;
        return { expiration: undefined };
      },
      update: () => undefined,
      failed: () => undefined,
      expired: () => undefined,
      timers,
    });
    await timers.advance(48 * HOUR);
    expect(fetches).toBe(0);
  });
});
