// The masking state machine, one per output stream: replaces every form of the
// secrets (secret-forms.ts) with ****, across chunk boundaries, holding back only
// bytes that could begin a secret. Pure: bytes in, slices of them out. Over 300
// lines: the state machine and its hot loops stay one class, which V8 keeps fast;
// the search planner is mask-planner.ts, the forms secret-forms.ts.
//
// Searches find where a secret may be, each at native or near-native speed, and
// each find is then matched both ways, character by character:
// - bytes: a byte the output rarely holds, with Buffer#indexOf (memchr): one pass
//   for all the secrets on log text;
// - windows: a stretch of each secret's own bytes, all at once by a Wu-Manber scan,
//   whose skips make output in which every byte is common (base64) cheap;
// - escapes: every \ and %, where a character of a secret may be escaped.
// A form either shows a searched byte (or window) as it is, or escapes it, which the
// escape search finds. What the output is made of decides between the first two,
// from a sample of it taken every 16 MB; the escape search always runs.

import {
  appendTo,
  bytePlaces,
  choosePlan,
  type Place,
  type Plan,
  SAMPLING,
  type Sampling,
  type WindowSearch,
  windowSearch,
} from './mask-planner.ts';
import { literalAt, matchBackward, matchForward, NEEDS_MORE, type SecretUnits, unicodeEscapeAt, unitsOf } from './secret-forms.ts';

const MASK = Buffer.from('****');
const EMPTY = Buffer.alloc(0);
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
/** JSON's two-byte escapes of a character: \/ \" \\. */
const SHORT_ESCAPED = new Set([0x2f, 0x22, 0x5c]);

/** Matches as sortable numbers: start, then the longer first at a start. */
const LENGTH_BITS = 2 ** 20;
const matchKey = (start: number, end: number) => start * LENGTH_BITS + (LENGTH_BITS - 1 - (end - start));

/**
 * `mask` returns what can be shown of the bytes so far, as slices of the input
 * and MASK (no copies: 200 MB of output must not become 200 MB of garbage); a
 * tail that could begin a secret waits for the next call or for `flush`.
 * Binary-safe: it only compares bytes.
 */
export class Masker {
  private secrets: SecretUnits[] = [];
  /** Where each byte sits in the secrets, for the byte search. */
  private placesOf = new Map<number, Place[]>();
  /** By a character's code: where it sits in the secrets, for escapes. */
  private escaped = new Map<number, Place[]>();
  private windows: WindowSearch | undefined;
  private plan: Plan = { bytes: [], windows: undefined };
  /** The longest form any secret can take. */
  private longest = 0;
  /** 1 at each secret's first byte, and at (a << 8 | b) for each two bytes side by side in a secret as it is. */
  private firstLiteral = new Uint8Array(256);
  private adjacent = new Uint8Array(65536);
  private pending: Buffer = EMPTY;
  private readonly sample: Buffer;
  private sampled = 0;
  private untilSample = 0;
  private readonly sampling: Sampling;
  /** The last full sample and its byte counts, to plan again with when secrets are added. */
  private seen: { counts: Uint32Array; sample: Buffer } | undefined;
  /** Matches of the current scan, packed (start * LENGTH_BITS + LENGTH_BITS - 1 - length), reused. */
  private found = new Float64Array(64);
  private count = 0;
  /** Where the last form `around` matched ends. */

  constructor(secrets: readonly string[], sampling: Sampling = SAMPLING) {
    this.sampling = sampling;
    this.sample = Buffer.alloc(sampling.bytes);
    this.add(secrets);
  }

  /**
   * Masks these secrets too from now on (refreshed credentials); bytes held back so
   * far are checked against all. Only the new secrets are indexed: a block that
   * refreshes all day adds a few kilobytes each time, not a rebuild of everything.
   */
  add(texts: readonly string[]): void {
    const known = new Set(this.secrets.map((secret) => secret.text));
    const fresh = [...new Set(texts)].filter((text) => text !== '' && !known.has(text)).map(unitsOf);
    if (fresh.length === 0 && this.secrets.length > 0) return;
    this.secrets = [...this.secrets, ...fresh];
    for (const [byte, places] of bytePlaces(fresh)) for (const place of places) appendTo(this.placesOf, byte, place);
    for (const secret of fresh) {
      [...secret.text].forEach((char, index) => {
        if (char.length === 1) appendTo(this.escaped, char.charCodeAt(0), { secret, index });
      });
      const { literal } = secret;
      this.firstLiteral[literal[0] as number] = 1;
      for (let at = 1; at < literal.length; at += 1) this.adjacent[((literal[at - 1] as number) << 8) | (literal[at] as number)] = 1;
      this.longest = Math.max(this.longest, secret.maxLength);
    }
    this.windows = windowSearch(this.secrets);
    // Planned on what the output has looked like so far: a plan blind to it may search for a byte the output is full of.
    this.plan = choosePlan(this.secrets, this.placesOf, this.windows, this.seen?.counts ?? new Uint32Array(256), this.seen?.sample);
  }

  /** The masked bytes that are safe to show now, in order. */
  mask(chunk: Buffer): Buffer[] {
    if (this.secrets.length === 0) return [chunk];
    this.takeSample(chunk);
    const held = this.pending;
    if (held.length > 0 && chunk.length >= this.longest) {
      // Not the whole chunk copied behind the held bytes: a form that begins in them
      // ends within the chunk's first `longest - 1` bytes.
      const { shown, until } = this.settle(Buffer.concat([held, chunk.subarray(0, this.longest - 1)]), held.length);
      const rest = this.scan(chunk.subarray(until - held.length), false);
      this.pending = rest.held;
      for (const piece of rest.shown) shown.push(piece);
      return shown;
    }
    const { shown, held: next } = this.scan(held.length === 0 ? chunk : Buffer.concat([held, chunk]), false);
    this.pending = next;
    return shown;
  }

  /** Whatever was held back, masked: the stream has ended. */
  flush(): Buffer[] {
    const { shown } = this.scan(this.pending, true);
    this.pending = EMPTY;
    return shown;
  }

  /** Copies a stretch of output into the sample; once full, chooses the searches again. */
  private takeSample(chunk: Buffer): void {
    if (this.untilSample >= chunk.length) {
      this.untilSample -= chunk.length;
      return;
    }
    const take = Math.min(chunk.length - this.untilSample, this.sample.length - this.sampled);
    chunk.copy(this.sample, this.sampled, this.untilSample, this.untilSample + take);
    this.sampled += take;
    this.untilSample = 0;
    if (this.sampled < this.sample.length) return;
    const counts = new Uint32Array(256);
    const sample = this.sample;
    for (let at = 0; at < sample.length; at += 1) counts[sample[at] as number] = (counts[sample[at] as number] as number) + 1;
    this.plan = choosePlan(this.secrets, this.placesOf, this.windows, counts, sample);
    this.seen = { counts, sample: Buffer.from(sample) };
    this.sampled = 0;
    this.untilSample = this.sampling.every;
  }

  private scan(data: Buffer, final: boolean): { shown: Buffer[]; held: Buffer } {
    this.findForms(data);
    const partial = final ? [] : this.partialStarts(data);
    const pieces: Buffer[] = [];
    let position = 0;
    let next = 0;
    for (let k = 0; k < this.count; k += 1) {
      const key = this.found[k] as number;
      const start = Math.floor(key / LENGTH_BITS);
      if (start < position) continue;
      while (next < partial.length && (partial[next] as number) < position) next += 1;
      // A longer form may still complete at or before this match: wait for more bytes.
      if (next < partial.length && (partial[next] as number) <= start) break;
      if (start > position) pieces.push(data.subarray(position, start));
      pieces.push(MASK);
      position = start + (LENGTH_BITS - 1 - (key % LENGTH_BITS));
    }
    while (next < partial.length && (partial[next] as number) < position) next += 1;
    const hold = partial[next] ?? data.length;
    if (hold > position) pieces.push(data.subarray(position, hold));
    return { shown: pieces, held: hold >= data.length ? EMPTY : Buffer.from(data.subarray(hold)) };
  }

  /**
   * The held bytes and enough after them (`seam`) for every form beginning in them
   * to be complete or not: what to show of them, masked, and where in `seam` the
   * rest begins (past a form that ran on beyond them).
   */
  private settle(seam: Buffer, heldLength: number): { shown: Buffer[]; until: number } {
    this.findForms(seam);
    const shown: Buffer[] = [];
    let position = 0;
    for (let k = 0; k < this.count; k += 1) {
      const key = this.found[k] as number;
      const start = Math.floor(key / LENGTH_BITS);
      if (start >= heldLength) break;
      if (start < position) continue;
      if (start > position) shown.push(seam.subarray(position, start));
      shown.push(MASK);
      position = start + (LENGTH_BITS - 1 - (key % LENGTH_BITS));
    }
    if (position < heldLength) shown.push(seam.subarray(position, heldLength));
    return { shown, until: Math.max(position, heldLength) };
  }

  /** Keeps a match found (its key), or nothing for -1. */
  private record(key: number): void {
    if (key < 0) return;
    if (this.count === this.found.length) {
      const grown = new Float64Array(this.found.length * 2);
      grown.set(this.found);
      this.found = grown;
    }
    this.found[this.count] = key;
    this.count += 1;
  }

  /** Every complete form in `data` into `found`, sorted: by start, the longest first. */
  private findForms(data: Buffer): void {
    this.count = 0;
    const end = data.length;
    for (const { byte, places } of this.plan.bytes) {
      for (let at = data.indexOf(byte); at !== -1; at = data.indexOf(byte, at + 1)) {
        for (const { secret, index } of places) this.record(this.around(data, at, 1, secret, index, 1));
      }
    }
    if (this.plan.windows !== undefined) this.scanWindows(data, this.plan.windows);
    for (let at = data.indexOf(BACKSLASH); at !== -1; at = data.indexOf(BACKSLASH, at + 1)) {
      const unicode = unicodeEscapeAt(data, at, end);
      const next = data[at + 1] as number;
      const code = unicode >= 0 ? unicode : SHORT_ESCAPED.has(next) ? next : -1;
      if (code < 0) continue;
      for (const { secret, index } of this.escaped.get(code) ?? [])
        this.record(this.around(data, at, unicode >= 0 ? 6 : 2, secret, index, 1));
    }
    for (let at = data.indexOf(PERCENT); at !== -1; at = data.indexOf(PERCENT, at + 1)) {
      const code = percentEscapeAt(data, at, end);
      if (code < 0) continue;
      for (const { secret, index } of this.escaped.get(code) ?? []) this.record(this.around(data, at, 3, secret, index, 1));
    }
    if (this.count > 1) this.found.subarray(0, this.count).sort();
  }

  /** Wu-Manber over the windows: a stretch of output moves on by what its last two bytes allow. */
  private scanWindows(data: Buffer, search: WindowSearch): void {
    const { length, shift, ending } = search;
    const end = data.length;
    for (let at = length - 1; at < end; ) {
      const key = ((data[at - 1] as number) << 8) | (data[at] as number);
      const step = shift[key] as number;
      if (step > 0) {
        at += step;
        continue;
      }
      const start = at - length + 1;
      for (const { place, bytes } of ending.get(key) ?? []) {
        let same = true;
        for (let k = 0; k < length - 2 && same; k += 1) same = data[start + k] === bytes[k];
        if (same) this.record(this.around(data, start, length, place.secret, place.index, length));
      }
      at += 1;
    }
  }

  /**
   * The form around a find: units [index, index + units) of `secret` are the
   * `length` bytes at `at` (bytes as they are, or an escape). The secret as it is is
   * tried first; then the alternatives, both ways. The form as a match key, or -1.
   */
  private around(data: Buffer, at: number, length: number, secret: SecretUnits, index: number, units: number): number {
    if (length === units && secret.ascii && literalAt(data, at - index, secret))
      return matchKey(at - index, at - index + secret.literal.length);
    const start = matchBackward(data, at, 0, secret, index);
    if (start < 0) return -1;
    const stop = matchForward(data, at + length, data.length, secret, index + units);
    return stop < 0 ? -1 : matchKey(start, stop);
  }

  /**
   * Where, near the end of `data`, a form starts that runs past it: the output may
   * go on into a secret. Each byte a form can start with is looked for at memchr
   * speed, within reach of the end: a form's own length, or, with no \ or % near the
   * end (no escape), the secret's length.
   */
  private partialStarts(data: Buffer): number[] {
    const starts: number[] = [];
    const end = data.length;
    const reach = Math.max(0, end - this.longest + 1);
    const escapes = data.indexOf(BACKSLASH, reach) !== -1 || data.indexOf(PERCENT, reach) !== -1;
    if (!escapes && end > 0) {
      // Unescaped, a form begun and not finished is the start of a secret as it is: the data ends with its
      // first byte, or with two bytes side by side in it. Mostly neither, and two lookups spare the search.
      const last = data[end - 1] as number;
      if (this.firstLiteral[last] === 0 && (end < 2 || this.adjacent[((data[end - 2] as number) << 8) | last] === 0)) return starts;
    }
    for (const secret of this.secrets) {
      const from = Math.max(0, end - (escapes ? secret.maxLength : secret.literal.length) + 1);
      for (const byte of secret.firstBytes) {
        for (let at = data.indexOf(byte, from); at !== -1; at = data.indexOf(byte, at + 1)) {
          if (matchForward(data, at, end, secret, 0) === NEEDS_MORE) starts.push(at);
        }
      }
    }
    return starts.length > 1 ? [...new Set(starts)].sort((a, b) => a - b) : starts;
  }
}

const HEX = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit += 1) {
  HEX['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** Whether `data` at `at` holds %HH of a character URL-encoding escapes: its code, else -1. */
function percentEscapeAt(data: Buffer, at: number, end: number): number {
  if (at + 3 > end) return -1;
  const high = HEX[data[at + 1] as number] as number;
  const low = HEX[data[at + 2] as number] as number;
  if (high < 0 || low < 0) return -1;
  const code = high * 16 + low;
  const char = String.fromCharCode(code);
  return encodeURIComponent(char) === char ? -1 : code;
}
