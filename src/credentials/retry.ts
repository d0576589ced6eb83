// Bounded retries with exponential backoff and full jitter, under a deadline.
// Time and randomness are injected, so tests of the policy run in milliseconds.

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5000 };

export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
    }),
};

/** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))). `attempt` is the one that just failed, from 1. */
export function fullJitterDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  readonly attempts: number;
  readonly lastError: unknown;

  constructor(attempts: number, lastError: unknown) {
    super(`gave up after ${attempts} attempts`);
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** Epoch milliseconds after which no attempt starts and no sleep ends. */
  deadline: number;
  signal: AbortSignal;
  isRetryable(error: unknown): boolean;
  onRetry?(attempt: number, delayMs: number, error: unknown): void;
}

/**
 * Runs `operation` until it succeeds, fails for good, or the attempts or the
 * deadline run out. Never sleeps after the last attempt: it throws
 * RetriesExhausted at once. Errors that are not retryable pass through unchanged.
 */
export async function retryTransient<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock } = options;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.isRetryable(error)) throw error;
      if (attempt >= policy.maxAttempts) throw new RetriesExhausted(attempt, error);
      const delay = fullJitterDelay(attempt, policy, clock.random);
      if (clock.now() + delay >= options.deadline) throw new RetriesExhausted(attempt, error);
      options.onRetry?.(attempt, delay, error);
      await clock.sleep(delay, options.signal);
    }
  }
}
