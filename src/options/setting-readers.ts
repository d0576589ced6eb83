// Readers of one setting each: its text, a flag, a value that must not be empty, a
// choice, a region, a URL, the items of a repeatable one. Each error names the
// setting where it came from (--flag, WITH_ASSUMED_ROLE_*, an env file). Pure.
import { UsageError } from '../domain/errors.ts';
import { isRegionName } from '../domain/partition.ts';
import type { Setting } from './settings.ts';

export const text = (setting: Setting | undefined): string | undefined => {
  if (setting === undefined) return undefined;
  const { value } = setting;
  return Array.isArray(value) ? value.at(-1) : String(value);
};

export const flag = (setting: Setting | undefined): boolean | undefined =>
  setting === undefined ? undefined : setting.value === true || setting.value === 'true';

export function nonEmpty(setting: Setting | undefined): string | undefined {
  const value = text(setting);
  if (value === undefined) return undefined;
  if (value.trim() === '') {
    throw new UsageError(`${setting?.source}: is empty`, { fix: `give ${setting?.source} a value, or leave it out` });
  }
  return value;
}

export function choice<T extends string>(setting: Setting | undefined, allowed: readonly T[], fallback: T): T {
  const value = nonEmpty(setting);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${setting?.source} "${value}": not one of ${allowed.join(', ')}`, { fix: `pass one of: ${allowed.join(', ')}` });
  }
  return value as T;
}

export function checkRegion(region: string | undefined, source: string): string | undefined {
  if (region !== undefined && !isRegionName(region)) {
    throw new UsageError(`${source} "${region}": not an AWS region name`, { fix: 'pass a region such as us-east-1 or eu-west-1' });
  }
  return region;
}

export function checkUrl(value: string | undefined, source: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${source} "${value}": not an http(s) URL`, { fix: 'pass a URL such as https://sts.eu-west-1.amazonaws.com' });
  }
  return value;
}

/**
 * A repeatable setting's items as given (a flag each time, or the variable's lines or
 * entries), each trimmed. An item holding a line break is refused: lists travel one
 * item per line, so it would become two (a second tag, a second allowed account).
 */
export function itemsOf(setting: Setting | undefined): string[] {
  if (setting === undefined) return [];
  const raw = Array.isArray(setting.value) ? setting.value : [String(setting.value)];
  const broken = raw.find((item) => /[\r\n]/.test(item));
  if (broken !== undefined) {
    throw new UsageError(`${setting.source} ${JSON.stringify(broken)}: an item holds a line break, which would make it two`, {
      fix: `give each item on its own (${setting.source} once per item), without line breaks`,
    });
  }
  return raw.map((item) => item.trim());
}

/** A repeatable setting's items, comma-separated ones split too (`--also-trust a,b`), empty ones left out. */
export function listOf(setting: Setting | undefined): string[] {
  return itemsOf(setting)
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
