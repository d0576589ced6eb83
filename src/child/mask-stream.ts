// The masker on streams: a Transform for library users, and the relay the CLI
// puts between the child's stdout/stderr and its own.

import { type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Masker } from './masker.ts';

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
