// The masking state machine, one per output stream: replaces every form of the
// secrets with ****, across chunk boundaries, holding back only bytes that could
// begin a secret. Pure: bytes in, slices of them out.

import { anchorStart, formsOf, type SecretGroup, secretGroups } from './secret-forms.ts';

const MASK = Buffer.from('****');
const EMPTY = Buffer.alloc(0);

/** How much output to count bytes of before choosing search keys, and how often to choose again. */
export interface Sampling {
  bytes: number;
  every: number;
}
const SAMPLING: Sampling = { bytes: 16 * 1024, every: 16 * 1024 * 1024 };

interface Anchor {
  group: SecretGroup;
  /** The search key: the group's run from `offset` on. */
  key: Buffer;
  offset: number;
}

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
  private readonly groups: SecretGroup[];
  private anchors: Anchor[];
  private readonly longest: number;
  /** The forms starting with each byte value, or undefined. */
  private readonly startingWith: (Buffer[] | undefined)[] = new Array(256).fill(undefined);
  private pending: Buffer = EMPTY;
  private readonly counts = new Uint32Array(256);
  private counted = 0;
  private untilSample = 0;
  private readonly sampling: Sampling;

  constructor(secrets: readonly string[], sampling: Sampling = SAMPLING) {
    this.sampling = sampling;
    this.groups = secretGroups(secrets);
    this.anchors = this.groups.map((group) => ({ group, key: group.run, offset: 0 }));
    const forms = formsOf(this.groups);
    this.longest = forms[0]?.length ?? 0;
    for (const form of forms) {
      const first = form[0] as number;
      this.startingWith[first] = [...(this.startingWith[first] ?? []), form];
    }
  }

  /** The masked bytes that are safe to show now, in order. */
  mask(chunk: Buffer): Buffer[] {
    if (this.groups.length === 0) return [chunk];
    this.sample(chunk);
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const { shown, held } = this.scan(data, false);
    this.pending = held;
    return shown;
  }

  /** Whatever was held back, masked: the stream has ended. */
  flush(): Buffer[] {
    const { shown } = this.scan(this.pending, true);
    this.pending = EMPTY;
    return shown;
  }

  /** Counts the bytes of a stretch of output, then re-chooses each group's search key from the counts. */
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
    this.anchors = this.groups.map((group) => {
      const offset = anchorStart(group.run, this.counts);
      return { group, key: group.run.subarray(offset), offset };
    });
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

  /** Every complete form in `data`, sorted, longest first at a place. */
  private findForms(data: Buffer): Match[] {
    const matches: Match[] = [];
    for (const { group, key, offset } of this.anchors) {
      for (let at = data.indexOf(key); at !== -1; at = data.indexOf(key, at + 1)) {
        for (const form of group.forms) {
          const start = at - offset - form.runOffset;
          const end = start + form.bytes.length;
          if (start >= 0 && end <= data.length && holdsAt(data, start, form.bytes)) {
            matches.push({ start, length: form.bytes.length });
            break;
          }
        }
      }
    }
    return matches.sort((a, b) => a.start - b.start || b.length - a.length);
  }

  /** Where, near the end of `data`, a form starts that runs past it: the output may go on into a secret. */
  private partialStarts(data: Buffer): number[] {
    const starts: number[] = [];
    const end = data.length;
    for (let at = Math.max(0, end - this.longest + 1); at < end; at += 1) {
      const forms = this.startingWith[data[at] as number];
      if (forms === undefined) continue;
      for (const form of forms) {
        if (form.length > end - at && continuesInto(data, at, form)) {
          starts.push(at);
          break;
        }
      }
    }
    return starts;
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
