// How the masker searches (masker.ts): which bytes of the secrets to look for, or a
// Wu-Manber scan over a window of each, chosen from a sample of the output by a cost
// model measured on a 2-core machine. Pure.
import type { SecretUnits } from './secret-forms.ts';

/** How much output to sample before choosing the searches, and how often to choose again. */
export interface Sampling {
  bytes: number;
  every: number;
}
export const SAMPLING: Sampling = { bytes: 16 * 1024, every: 16 * 1024 * 1024 };

/** Where a byte or a window sits in a secret: the unit it begins at. */
export interface Place {
  secret: SecretUnits;
  index: number;
}

/** A byte to look for, and every place in the secrets it covers that holds it. */
export interface ByteSearch {
  byte: number;
  places: Place[];
}

/** The Wu-Manber tables over one window of each secret, all of one length. */
export interface WindowSearch {
  length: number;
  /** By the two bytes ending a window of the output: how far it may move on. */
  shift: Uint8Array;
  /** By the two bytes a secret's window ends with: those windows. */
  ending: Map<number, { place: Place; bytes: Uint8Array }[]>;
}

export interface Plan {
  bytes: ByteSearch[];
  windows: WindowSearch | undefined;
}

/** Windows shorter than this are not worth a Wu-Manber scan (its skips are as long as the windows). */
const MIN_WINDOW = 8;
/** Longer skips than this do not fit the shift table's bytes, and gain little more. */
const MAX_WINDOW = 32;

/**
 * Cost model, in nanoseconds, measured on a 2-core machine (a micro-benchmark of
 * Buffer#indexOf and of the scan loop): one memchr pass over a 16 KB sample, one find
 * and its match, one Wu-Manber step, and one window ending like a secret's.
 */
const COST = { pass: 400, hit: 50, step: 4, window: 30 };

/** Adds `value` to the list under `key`, in place: a masker holding a day of refreshed secrets builds these lists from scratch at each refresh. */
export function appendTo<K, V>(lists: Map<K, V[]>, key: K, value: V): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [value]);
  else list.push(value);
}

/** Where each byte sits in the (ASCII) secrets: what the byte search can look for. */
export function bytePlaces(secrets: readonly SecretUnits[]): Map<number, Place[]> {
  const places = new Map<number, Place[]>();
  for (const secret of secrets) {
    if (!secret.ascii) continue;
    for (let index = 0; index < secret.literal.length; index += 1) appendTo(places, secret.literal[index] as number, { secret, index });
  }
  return places;
}

/**
 * The Wu-Manber tables over a window of each secret: from its middle (STS tokens
 * share their first bytes), as long as the shortest secret allows, up to 32 bytes.
 * None when a secret is too short for a window worth it, or not ASCII.
 */
export function windowSearch(secrets: readonly SecretUnits[]): WindowSearch | undefined {
  if (secrets.length === 0 || secrets.some((secret) => !secret.ascii)) return undefined;
  const length = Math.min(MAX_WINDOW, ...secrets.map((secret) => secret.literal.length));
  if (length < MIN_WINDOW) return undefined;
  const shift = new Uint8Array(65536).fill(length - 1);
  const ending = new Map<number, { place: Place; bytes: Uint8Array }[]>();
  for (const secret of secrets) {
    const index = Math.floor((secret.literal.length - length) / 2);
    const bytes = secret.literal.subarray(index, index + length);
    for (let k = 1; k < length; k += 1) {
      const key = ((bytes[k - 1] as number) << 8) | (bytes[k] as number);
      shift[key] = Math.min(shift[key] as number, length - 1 - k);
    }
    const key = ((bytes[length - 2] as number) << 8) | (bytes[length - 1] as number);
    appendTo(ending, key, { place: { secret, index }, bytes });
  }
  return { length, shift, ending };
}

/**
 * The bytes to look for so that every secret is found, chosen from `counts` (how
 * often each byte value occurred in a sample of the output): a weighted set cover,
 * each step taking the byte with the least cost per secret it adds, a pass plus
 * its finds. Mostly one byte the output rarely holds that all the secrets contain.
 */
export function chooseBytes(secrets: readonly SecretUnits[], placesOf: Map<number, Place[]>, counts: Uint32Array): ByteSearch[] {
  const chosen: ByteSearch[] = [];
  let left = new Set(secrets);
  while (left.size > 0) {
    let best: { byte: number; cost: number; covers: Set<SecretUnits> } | undefined;
    for (const [byte, places] of placesOf) {
      // Counted in place: with a day of refreshed secrets, these lists are long.
      const covers = new Set<SecretUnits>();
      let finds = 0;
      for (const place of places) {
        if (!left.has(place.secret)) continue;
        covers.add(place.secret);
        finds += 1;
      }
      if (covers.size === 0) continue;
      const cost = (COST.pass + (counts[byte] as number) * finds * COST.hit) / covers.size;
      if (best === undefined || cost < best.cost) best = { byte, cost, covers };
    }
    if (best === undefined) {
      // Not ASCII: looked for by its own first byte; the escape search finds it escaped.
      for (const secret of left) chosen.push({ byte: secret.literal[0] as number, places: [{ secret, index: 0 }] });
      break;
    }
    const { byte, covers } = best;
    chosen.push({ byte, places: (placesOf.get(byte) ?? []).filter((place) => covers.has(place.secret)) });
    left = new Set([...left].filter((secret) => !covers.has(secret)));
  }
  return chosen;
}

/** What a Wu-Manber scan of `sample` costs, in the model's nanoseconds. */
function windowCost(search: WindowSearch, sample: Uint8Array): number {
  let cost = 0;
  for (let at = search.length - 1; at < sample.length; ) {
    const step = search.shift[((sample[at - 1] as number) << 8) | (sample[at] as number)] as number;
    cost += step > 0 ? COST.step : COST.window;
    at += step > 0 ? step : 1;
  }
  return cost;
}

const byteCost = (searches: readonly ByteSearch[], counts: Uint32Array) =>
  searches.reduce((sum, { byte, places }) => sum + COST.pass + (counts[byte] as number) * places.length * COST.hit, 0);

/** Bytes, or the Wu-Manber scan: whichever the sample says costs less. */
export function choosePlan(
  secrets: readonly SecretUnits[],
  placesOf: Map<number, Place[]>,
  windows: WindowSearch | undefined,
  counts: Uint32Array,
  sample: Uint8Array | undefined,
): Plan {
  const bytes = chooseBytes(secrets, placesOf, counts);
  if (windows === undefined || sample === undefined || windowCost(windows, sample) >= byteCost(bytes, counts))
    return { bytes, windows: undefined };
  return { bytes: [], windows };
}
