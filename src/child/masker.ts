// The masking state machine, one per output stream: replaces every form of the
// secrets with ****, across chunk boundaries, holding back only bytes that could
// begin a secret. Pure: bytes in, slices of them out.

import { type ByteAnchor, chooseAnchors, formsOf, type SecretGroup, secretGroups } from './secret-forms.ts';

const MASK = Buffer.from('****');
const EMPTY = Buffer.alloc(0);

/** How much output to count bytes of before choosing the bytes to look for, and how often to choose again. */
export interface Sampling {
  bytes: number;
  every: number;
}
const SAMPLING: Sampling = { bytes: 16 * 1024, every: 16 * 1024 * 1024 };

interface Match {
  start: number;
  length: number;
}

/**
 * `mask` returns what can be shown of the bytes so far, as slices of the input
 * and MASK (no copies: 200 MB of output must not become 200 MB of garbage); a
 * tail that could begin a secret waits for the next call or for `flush`.
 * Binary-safe: it only compares bytes.
 */
export class Masker {
  private secrets: string[] = [];
  private groups: SecretGroup[] = [];
  private anchors: ByteAnchor[] = [];
  private longest = 0;
  /** The first bytes of the forms, each with the forms starting with it. */
  private startingWith: { byte: number; forms: Buffer[] }[] = [];
  /** 1 at each first byte of a form. */
  private firstBytes = new Uint8Array(256);
  /** 1 at (a << 8 | b) for each two bytes a, b that follow one another in a form. */
  private adjacent = new Uint8Array(256 * 256);
  private pending: Buffer = EMPTY;
  private readonly counts = new Uint32Array(256);
  private counted = 0;
  private untilSample = 0;
  private readonly sampling: Sampling;

  constructor(secrets: readonly string[], sampling: Sampling = SAMPLING) {
    this.sampling = sampling;
    this.prepare(secrets);
  }

  /** Masks these secrets too from now on (refreshed credentials); bytes held back so far are checked against all. */
  add(secrets: readonly string[]): void {
    this.prepare([...this.secrets, ...secrets]);
  }

  private prepare(secrets: readonly string[]): void {
    this.secrets = [...new Set(secrets)];
    this.groups = secretGroups(this.secrets);
    this.anchors = chooseAnchors(this.groups, this.counts);
    this.startingWith = [];
    this.firstBytes = new Uint8Array(256);
    this.adjacent = new Uint8Array(256 * 256);
    const forms = formsOf(this.groups);
    this.longest = forms[0]?.length ?? 0;
    for (const form of forms) {
      const byte = form[0] as number;
      this.firstBytes[byte] = 1;
      for (let at = 1; at < form.length; at += 1) this.adjacent[((form[at - 1] as number) << 8) | (form[at] as number)] = 1;
      const starting = this.startingWith.find((entry) => entry.byte === byte);
      if (starting === undefined) this.startingWith.push({ byte, forms: [form] });
      else starting.forms.push(form);
    }
  }

  /** The masked bytes that are safe to show now, in order. */
  mask(chunk: Buffer): Buffer[] {
    if (this.groups.length === 0) return [chunk];
    this.sample(chunk);
    const held = this.pending;
    if (held.length > 0 && chunk.length > this.longest) {
      // Not the whole chunk copied behind the held bytes: a form that begins in them,
      // in the last at the latest, ends within the chunk's first `longest - 1` bytes.
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

  /** Counts the bytes of a stretch of output, then chooses again, from the counts, the bytes to look for. */
  private sample(chunk: Buffer): void {
    if (this.untilSample >= chunk.length) {
      this.untilSample -= chunk.length;
      return;
    }
    const end = Math.min(chunk.length, this.untilSample + this.sampling.bytes - this.counted);
    const counts = this.counts;
    for (let at = this.untilSample; at < end; at += 1) counts[chunk[at] as number] = (counts[chunk[at] as number] as number) + 1;
    this.counted += end - this.untilSample;
    this.untilSample = 0;
    if (this.counted < this.sampling.bytes) return;
    this.anchors = chooseAnchors(this.groups, this.counts);
    this.counts.fill(0);
    this.counted = 0;
    this.untilSample = this.sampling.every;
  }

  private scan(data: Buffer, final: boolean): { shown: Buffer[]; held: Buffer } {
    const matches = this.findForms(data);
    const partial = final ? [] : this.partialStarts(data);
    const pieces: Buffer[] = [];
    let position = 0;
    let next = 0;
    for (const match of matches) {
      if (match.start < position) continue;
      while (next < partial.length && (partial[next] as number) < position) next += 1;
      // A longer form may still complete at or before this match: wait for more bytes.
      if (next < partial.length && (partial[next] as number) <= match.start) break;
      if (match.start > position) pieces.push(data.subarray(position, match.start));
      pieces.push(MASK);
      position = match.start + match.length;
    }
    while (next < partial.length && (partial[next] as number) < position) next += 1;
    const hold = partial[next] ?? data.length;
    if (hold > position) pieces.push(data.subarray(position, hold));
    return { shown: pieces, held: hold >= data.length ? EMPTY : Buffer.from(data.subarray(hold)) };
  }

  /**
   * The held bytes and enough after them (`seam`) for every form beginning in
   * them to be complete or not: what to show of them, masked, and where in `seam`
   * the rest begins (past a form that ran on beyond them).
   */
  private settle(seam: Buffer, heldLength: number): { shown: Buffer[]; until: number } {
    const shown: Buffer[] = [];
    let position = 0;
    for (const match of this.findForms(seam)) {
      if (match.start >= heldLength) break;
      if (match.start < position) continue;
      if (match.start > position) shown.push(seam.subarray(position, match.start));
      shown.push(MASK);
      position = match.start + match.length;
    }
    if (position < heldLength) shown.push(seam.subarray(position, heldLength));
    return { shown, until: Math.max(position, heldLength) };
  }

  /** Every complete form in `data`, sorted, longest first at a place. */
  private findForms(data: Buffer): Match[] {
    const matches: Match[] = [];
    let sorted = true;
    for (const { byte, groups } of this.anchors) {
      for (let at = data.indexOf(byte); at !== -1; at = data.indexOf(byte, at + 1)) {
        for (const { group, offset } of groups) {
          for (const form of group.forms) {
            const start = at - offset - form.runOffset;
            const end = start + form.bytes.length;
            if (start >= 0 && end <= data.length && holdsAt(data, start, form.bytes)) {
              const last = matches[matches.length - 1];
              if (last !== undefined && (start < last.start || (start === last.start && form.bytes.length > last.length))) sorted = false;
              matches.push({ start, length: form.bytes.length });
              break;
            }
          }
        }
      }
    }
    return sorted ? matches : matches.sort((a, b) => a.start - b.start || b.length - a.length);
  }

  /**
   * Where, near the end of `data`, a form starts that runs past it: the output
   * may go on into a secret. Each first byte is looked for at memchr speed
   * (forms start with a handful of distinct bytes) rather than every byte of the
   * last few hundred checked in a loop.
   */
  private partialStarts(data: Buffer): number[] {
    const starts: number[] = [];
    const end = data.length;
    if (end === 0) return starts;
    // A form begun and not finished ends the data with its first byte or with two of its bytes
    // side by side: mostly neither, and a look at the last two bytes spares the search.
    const last = data[end - 1] as number;
    if (this.firstBytes[last] === 0 && (end === 1 || this.adjacent[((data[end - 2] as number) << 8) | last] === 0)) return starts;
    const from = Math.max(0, end - this.longest + 1);
    for (const { byte, forms } of this.startingWith) {
      for (let at = data.indexOf(byte, from); at !== -1; at = data.indexOf(byte, at + 1)) {
        for (const form of forms) {
          if (form.length > end - at && continuesInto(data, at, form)) {
            starts.push(at);
            break;
          }
        }
      }
    }
    return starts.length > 1 ? starts.sort((a, b) => a - b) : starts;
  }
}

// Byte loops rather than Buffer#compare: the bytes differ early or the form is
// short, and a native call with its argument checks costs more than the loop.

/**
 * Whether `data` holds all of `form` at `at` (the caller checked it fits). The
 * last byte first: a secret's forms differ in length, so trying the wrong one
 * mostly fails there at once instead of after the shared beginning.
 */
function holdsAt(data: Buffer, at: number, form: Buffer): boolean {
  const last = form.length - 1;
  if (data[at + last] !== form[last]) return false;
  for (let i = 0; i < last; i += 1) if (data[at + i] !== form[i]) return false;
  return true;
}

/** Whether `data` from `at` to its end is the beginning of `form`. */
function continuesInto(data: Buffer, at: number, form: Buffer): boolean {
  for (let i = 0; at + i < data.length; i += 1) if (data[at + i] !== form[i]) return false;
  return true;
}
