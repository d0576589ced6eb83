// A streaming redactor: replaces every form of the secrets with ****, across
// chunk boundaries, holding back only bytes that could begin a secret.

import { type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { formsOf, type SecretGroup, secretGroups } from './secret-forms.ts';

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
  private readonly groups: SecretGroup[];
  private readonly forms: Buffer[];
  private pending: Buffer = EMPTY;

  constructor(secrets: readonly string[]) {
    this.groups = secretGroups(secrets);
    this.forms = formsOf(this.groups);
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
    if (this.groups.length === 0) return { shown: [data], held: EMPTY };
    const { matches, incomplete } = this.findForms(data, final);
    const pieces: Buffer[] = [];
    let position = 0;
    let next = 0;
    for (const match of matches) {
      if (match.start < position) continue;
      while (next < incomplete.length && (incomplete[next] as number) < position) next += 1;
      // A longer form may still complete at or before this match: wait for more bytes.
      if (next < incomplete.length && (incomplete[next] as number) <= match.start) break;
      if (match.start > position) pieces.push(data.subarray(position, match.start));
      pieces.push(MASK);
      position = match.start + match.length;
    }
    while (next < incomplete.length && (incomplete[next] as number) < position) next += 1;
    const hold = final ? data.length : Math.min(incomplete[next] ?? data.length, this.partialStart(data, position));
    if (hold > position) pieces.push(data.subarray(position, hold));
    return { shown: pieces, held: hold >= data.length ? EMPTY : Buffer.from(data.subarray(hold)) };
  }

  /**
   * Every complete form in `data` (sorted, longest first at a place), and where
   * forms start that run past its end and could still complete.
   */
  private findForms(data: Buffer, final: boolean): { matches: Match[]; incomplete: number[] } {
    const matches: Match[] = [];
    const incomplete: number[] = [];
    for (const group of this.groups) {
      for (let at = data.indexOf(group.anchor); at !== -1; at = data.indexOf(group.anchor, at + 1)) {
        for (const form of group.forms) {
          const start = at - form.anchorOffset;
          if (start < 0) continue;
          const end = start + form.bytes.length;
          if (end <= data.length) {
            if (data.compare(form.bytes, 0, form.bytes.length, start, end) === 0) {
              matches.push({ start, length: form.bytes.length });
              break;
            }
          } else if (!final && data.compare(form.bytes, 0, data.length - start, start, data.length) === 0) {
            incomplete.push(start);
          }
        }
      }
    }
    matches.sort((a, b) => a.start - b.start || b.length - a.length);
    incomplete.sort((a, b) => a - b);
    return { matches, incomplete };
  }

  /** Where the data's tail starts to look like the beginning of some form, or its end. */
  private partialStart(data: Buffer, from: number): number {
    let hold = data.length;
    for (const form of this.forms) {
      const first = form[0] as number;
      let at = data.indexOf(first, Math.max(from, data.length - form.length + 1));
      while (at !== -1 && at < hold) {
        if (data.compare(form, 0, data.length - at, at, data.length) === 0) {
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
 * When `target` fails (its reader went away: `| head`), `source` is closed and
 * `onBroken` runs: the child should meet a broken pipe, as it would writing there directly.
 */
export async function relayMasked(source: Readable, target: Writable, secrets: readonly string[], onBroken?: () => void): Promise<void> {
  const masker = new Masker(secrets);
  const broken = () => {
    // The signal first: closing our end first would show the child a reset connection instead.
    onBroken?.();
    source.destroy();
  };
  target.once('error', broken);
  const write = (pieces: Buffer[]) => {
    if (pieces.length === 0) return true;
    target.cork();
    for (const piece of pieces) target.write(piece);
    target.uncork();
    return !target.writableNeedDrain;
  };
  source.on('data', (chunk: Buffer) => {
    if (target.destroyed) return;
    if (!write(masker.mask(chunk))) {
      source.pause();
      target.once('drain', () => source.resume());
    }
  });
  try {
    await finished(source).catch(() => undefined);
  } finally {
    target.off('error', broken);
    if (!target.destroyed) write(masker.flush());
  }
}
