// A streaming redactor: replaces every form of the secrets with ****, across
// chunk boundaries, holding back only bytes that could begin a secret.
import { Transform, type TransformCallback } from 'node:stream';
import { secretForms } from './secret-forms.ts';

export const MASK = Buffer.from('****');

interface Match {
  start: number;
  length: number;
}

/** Replaces the forms of `secrets` in a byte stream; binary-safe, order-keeping. */
export class MaskStream extends Transform {
  private readonly patterns: Buffer[];
  private pending: Buffer = Buffer.alloc(0);

  constructor(secrets: readonly string[]) {
    super({ highWaterMark: 1 << 20 });
    this.patterns = secretForms(secrets);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = this.emitMasked(data, false);
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) this.emitMasked(this.pending, true);
    this.pending = Buffer.alloc(0);
    done();
  }

  /** Pushes `data` with secrets masked and returns the tail held back (none when `final`). */
  private emitMasked(data: Buffer, final: boolean): Buffer {
    const next = this.patterns.map((pattern) => data.indexOf(pattern));
    let position = 0;
    for (;;) {
      const match = this.leftmostMatch(data, next, position);
      if (match === undefined) break;
      if (!final && this.couldGrow(data, match)) {
        this.pushSlice(data, position, match.start);
        return data.subarray(match.start);
      }
      this.pushSlice(data, position, match.start);
      this.push(MASK);
      position = match.start + match.length;
    }
    const hold = final ? data.length : this.partialStart(data, position);
    this.pushSlice(data, position, hold);
    return Buffer.from(data.subarray(hold));
  }

  private pushSlice(data: Buffer, from: number, to: number): void {
    if (to > from) this.push(data.subarray(from, to));
  }

  /** The leftmost occurrence at or after `from`, the longest form winning ties. */
  private leftmostMatch(data: Buffer, next: number[], from: number): Match | undefined {
    let best: Match | undefined;
    this.patterns.forEach((pattern, index) => {
      let at = next[index] as number;
      if (at !== -1 && at < from) {
        at = data.indexOf(pattern, from);
        next[index] = at;
      }
      if (at !== -1 && (best === undefined || at < best.start || (at === best.start && pattern.length > best.length))) {
        best = { start: at, length: pattern.length };
      }
    });
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
