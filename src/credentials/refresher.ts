// Keeps expiring credentials fresh: fetches again before they expire, retries a
// failed fetch until they do, then reports them gone. Time and randomness are
// injected, so the schedule is tested in milliseconds.

/**
 * When to fetch again: at the latest 15 minutes before expiry (half the lifetime
 * for short sessions), and earlier by up to half that margin, at random: blocks
 * started together (a matrix build, a release train) must not refresh together,
 * every lifetime, in one burst against STS's request rate. `random` is in [0, 1).
 */
export function refreshAt(issuedAtMs: number, expirationMs: number, random: number): number {
  const margin = Math.min(15 * 60_000, (expirationMs - issuedAtMs) / 2);
  return expirationMs - margin - random * (margin / 2);
}

/** After a failed fetch, try again soon but not in a tight loop: a quarter of the time left, 1-30 s. */
export function retryDelayMs(nowMs: number, expirationMs: number): number {
  return Math.min(30_000, Math.max(1000, (expirationMs - nowMs) / 4));
}

export interface Timers {
  now(): number;
  /** In [0, 1): where in its window a refresh lands. */
  random(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  random: () => Math.random(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RefresherOptions<T> {
  /** Gets new credentials (with the usual retries and deadline); throws a typed error. */
  fetch(): Promise<T>;
  /** Called with each new value, before it becomes current. */
  update(value: T): void | Promise<void>;
  /** A failed fetch; `repeated` when the last one failed with the same message. */
  failed(error: unknown, repeated: boolean): void;
  /** The last credentials have expired without a successful refresh. */
  expired(): void;
  /** A fetch succeeded after failed ones (STS is back): the new value is current. */
  recovered?(): void;
  timers?: Timers;
}

/** The credentials' lifetime: their expiry, undefined for ones that do not expire (static keys). */
export type ExpiryOf<T> = (value: T) => Date | undefined;

export class Refresher<T> {
  private value: T | undefined;
  private issuedAt: number;
  private timer: unknown;
  private expiryTimer: unknown;
  private lastFailure: string | undefined;
  private stopped = false;
  private readonly timers: Timers;
  private readonly expiryOf: ExpiryOf<T>;
  private readonly options: RefresherOptions<T>;

  constructor(initial: T, expiryOf: ExpiryOf<T>, options: RefresherOptions<T>) {
    this.expiryOf = expiryOf;
    this.options = options;
    this.timers = options.timers ?? systemTimers;
    this.value = initial;
    this.issuedAt = this.timers.now();
    this.schedule(this.nextRefresh());
  }

  /** The credentials to hand out now; undefined once they expired unrefreshed. */
  get current(): T | undefined {
    return this.value;
  }

  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.timer);
    this.timers.clearTimeout(this.expiryTimer);
  }

  private nextRefresh(): number | undefined {
    const expiration = this.value === undefined ? undefined : this.expiryOf(this.value);
    return expiration === undefined ? undefined : refreshAt(this.issuedAt, expiration.getTime(), this.timers.random());
  }

  private schedule(at: number | undefined): void {
    if (at === undefined || this.stopped) return;
    this.timer = this.timers.setTimeout(() => void this.refresh(), Math.max(0, at - this.timers.now()));
  }

  private async refresh(): Promise<void> {
    try {
      const value = await this.options.fetch();
      if (this.stopped) return;
      await this.options.update(value);
      this.value = value;
      this.issuedAt = this.timers.now();
      if (this.lastFailure !== undefined) this.options.recovered?.();
      this.lastFailure = undefined;
      this.timers.clearTimeout(this.expiryTimer);
      this.schedule(this.nextRefresh());
    } catch (error) {
      if (this.stopped) return;
      const message = error instanceof Error ? error.message : String(error);
      this.options.failed(error, message === this.lastFailure);
      this.lastFailure = message;
      const expiration = this.value === undefined ? undefined : this.expiryOf(this.value)?.getTime();
      const now = this.timers.now();
      if (expiration !== undefined && this.value !== undefined) {
        if (now >= expiration) this.expire();
        else {
          this.timers.clearTimeout(this.expiryTimer);
          this.expiryTimer = this.timers.setTimeout(() => this.expire(), expiration - now);
        }
      }
      this.schedule(now + retryDelayMs(now, expiration ?? now));
    }
  }

  private expire(): void {
    if (this.value === undefined || this.stopped) return;
    this.value = undefined;
    this.options.expired();
  }
}
