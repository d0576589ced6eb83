// A streaming redactor: replaces every form of the secrets with ****, across
// chunk boundaries, holding back only bytes that could begin a secret.

import { type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { secretForms } from './secret-forms.ts';

export const MASK = Buffer.from('****');
const EMPTY = Buffer.alloc(0);

interface Match {
  start: number;
  length: number;
}

/**
 * The masking state machine, one per output stream. `mask` returns what can be
 * shown of the bytes so far, as slices of the input and MASK (no copies: 200 MB
 * of output must not become 200 MB of garbage); a tail that could begin a secret
 * waits for the next call or for `flush`. Binary-safe: it only compares bytes.
 */
export class Masker {
  private readonly patterns: Buffer[];
  private pending: Buffer = EMPTY;

  constructor(secrets: readonly string[]) {
    this.patterns = secretForms(secrets);
  }

  /** The masked bytes that are safe to show now, in order. */
  mask(chunk: Buffer): Buffer[] {
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

  private scan(data: Buffer, final: boolean): { shown: Buffer[]; held: Buffer } {
    if (this.patterns.length === 0) return { shown: [data], held: EMPTY };
    const pieces: Buffer[] = [];
    const next = this.patterns.map((pattern) => data.indexOf(pattern));
    let position = 0;
    for (;;) {
      const match = this.leftmostMatch(data, next, position);
      if (match === undefined) break;
      if (!final && this.couldGrow(data, match)) {
        if (match.start > position) pieces.push(data.subarray(position, match.start));
        return { shown: pieces, held: Buffer.from(data.subarray(match.start)) };
      }
      if (match.start > position) pieces.push(data.subarray(position, match.start));
      pieces.push(MASK);
      position = match.start + match.length;
    }
    const hold = final ? data.length : this.partialStart(data, position);
    if (hold > position) pieces.push(data.subarray(position, hold));
    return { shown: pieces, held: hold === data.length ? EMPTY : Buffer.from(data.subarray(hold)) };
  }

  /** The leftmost occurrence at or after `from`, the longest form winning ties. */
  private leftmostMatch(data: Buffer, next: number[], from: number): Match | undefined {
    let best: Match | undefined;
    for (let index = 0; index < this.patterns.length; index += 1) {
      const pattern = this.patterns[index] as Buffer;
      let at = next[index] as number;
      if (at !== -1 && at < from) {
        at = data.indexOf(pattern, from);
        next[index] = at;
      }
      if (at !== -1 && (best === undefined || at < best.start || (at === best.start && pattern.length > best.length))) {
        best = { start: at, length: pattern.length };
      }
    }
    return best;
  }

  /** A longer form that starts like this match and runs past the data's end could still complete. */
  private couldGrow(data: Buffer, match: Match): boolean {
    const rest = data.subarray(match.start);
    return this.patterns.some(
      (pattern) => pattern.length > rest.length && pattern.length > match.length && pattern.subarray(0, rest.length).equals(rest),
    );
  }

  /** Where the data's tail starts to look like the beginning of some form, or its end. */
  private partialStart(data: Buffer, from: number): number {
    let hold = data.length;
    for (const pattern of this.patterns) {
      const first = pattern[0] as number;
      let at = data.indexOf(first, Math.max(from, data.length - pattern.length + 1));
      while (at !== -1 && at < hold) {
        if (pattern.subarray(0, data.length - at).equals(data.subarray(at))) {
          hold = at;
          break;
        }
        at = data.indexOf(first, at + 1);
      }
    }
    return hold;
  }
}

/** Masker as a Transform, for library users: order kept, stdout and stderr each need their own. */
export class MaskStream extends Transform {
  private readonly masker: Masker;

  constructor(secrets: readonly string[]) {
    super({ highWaterMark: 1 << 20 });
    this.masker = new Masker(secrets);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (const piece of this.masker.mask(chunk)) this.push(piece);
    done();
  }

  override _flush(done: TransformCallback): void {
    for (const piece of this.masker.flush()) this.push(piece);
    done();
  }
}

/**
 * Copies `source` to `target` masked, one corked write (a single writev) per
 * chunk read, with backpressure; leaves `target` open. Resolves at the source's end.
 */
export async function relayMasked(source: Readable, target: Writable, secrets: readonly string[]): Promise<void> {
  const masker = new Masker(secrets);
  const write = (pieces: Buffer[]) => {
    if (pieces.length === 0) return true;
    target.cork();
    for (const piece of pieces) target.write(piece);
    target.uncork();
    return !target.writableNeedDrain;
  };
  source.on('data', (chunk: Buffer) => {
    if (!write(masker.mask(chunk))) {
      source.pause();
      target.once('drain', () => source.resume());
    }
  });
  try {
    await finished(source);
  } finally {
    write(masker.flush());
  }
}
