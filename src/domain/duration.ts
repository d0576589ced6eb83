import { UsageError } from './errors.ts';

export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;
export const DEFAULT_DURATION_SECONDS = 3600;
/** A block's background refresh stops after this at the latest: the longest session STS grants. */
export const DEFAULT_REFRESH_LIMIT_SECONDS = 43_200;

const UNIT_SECONDS = { h: 3600, m: 60, s: 1 } as const;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds from `3600`, `15m`, `1h`, `1h30m` or `90s`, within STS's 900-43200. */
export function parseDuration(value: string, flag = '--duration'): number {
  const text = value.trim();
  const seconds = /^\d+$/.test(text) ? Number(text) : unitSeconds(text);
  if (seconds === undefined) {
    throw new UsageError(`${flag} "${value}": not a duration; use seconds (3600) or units (15m, 1h, 1h30m, 12h)`, {
      fix: `pass e.g. ${flag} 1h`,
    });
  }
  if (seconds < MIN_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS) {
    throw new UsageError(
      `${flag} "${value}": ${seconds} s is outside what STS allows, ${MIN_DURATION_SECONDS}-${MAX_DURATION_SECONDS} seconds (15m to 12h)`,
      { fix: `pass a duration from 15m to 12h, e.g. ${flag} 1h` },
    );
  }
  return seconds;
}

function unitSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === '') return undefined;
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(hours) * UNIT_SECONDS.h + Number(minutes) * UNIT_SECONDS.m + Number(seconds) * UNIT_SECONDS.s;
}

/** `3600` -> `1h`, `5400` -> `1h30m`, `950` -> `15m50s`: for plans and messages. */
export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('') || '0s';
}

/** Positive seconds for timeouts and grace periods (`--assume-timeout`, `--kill-grace`). */
export function parseSeconds(value: string, flag: string): number {
  const text = value.trim();
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : unitSeconds(text);
  if (seconds === undefined || seconds <= 0) {
    throw new UsageError(`${flag} "${value}": not a positive number of seconds`, { fix: `pass e.g. ${flag} 30` });
  }
  return seconds;
}
