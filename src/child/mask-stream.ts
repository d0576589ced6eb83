// The masker on streams: a Transform for library users, and the relay the CLI
// puts between the child's stdout/stderr and its own.

import { fstatSync, writeSync, writevSync } from 'node:fs';
import type { OnReadOpts, Socket } from 'node:net';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Masker } from './masker.ts';
import { outputPipes, PIPE_READ_BYTES } from './output-pipes.ts';

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

export interface MaskedRelay {
  /** The descriptor the child writes to: pass it as the child's stdout or stderr, then close it here. */
  childEnd: number;
  /** Settles once the child's end is closed everywhere and every byte is written, masked. */
  done: Promise<void>;
}

/**
 * One relay per target, each copying what the child writes to its end into the
 * target, masked: one corked write (a single writev) per read, reading paused
 * while a write is queued (the read buffer is reused). The targets stay open.
 * When a target fails (its reader went away: `| head`), the relay closes its end
 * of the pipe: the child's next write meets a broken pipe (SIGPIPE), as it would
 * have writing there directly.
 */
export async function openMaskedRelays(targets: readonly Writable[], secrets: readonly string[]): Promise<MaskedRelay[]> {
  const relays = targets.map((target) => new Relay(target, secrets));
  const pairs = await outputPipes(relays.map((relay) => relay.onread));
  return pairs.map(({ ours, theirs }, index) => ({ childEnd: theirs, done: (relays[index] as Relay).run(ours) }));
}

class Relay {
  readonly onread: OnReadOpts;
  private readonly target: Writable;
  private readonly masker: Masker;
  private source: Socket | undefined;
  /** Whether reading is paused until the last write leaves the target's queue. */
  private waiting = false;
  /** Called when the last write leaves the target's queue. */
  private readonly written: (() => void)[] = [];
  /** The target's descriptor when it is a regular file (a Jenkins log, `> out.log`). */
  private readonly file: number | undefined;

  constructor(target: Writable, secrets: readonly string[]) {
    this.target = target;
    this.file = regularFileOf(target);
    this.masker = new Masker(secrets);
    this.onread = {
      buffer: Buffer.allocUnsafe(PIPE_READ_BYTES),
      callback: (length, buffer) => !target.destroyed && this.write(this.masker.mask((buffer as Buffer).subarray(0, length))),
    };
  }

  async run(source: Socket): Promise<void> {
    this.source = source;
    const broken = () => source.destroy();
    // Until the last write has settled: a reader gone at the very end fails that one.
    this.target.on('error', broken);
    try {
      await finished(source, { writable: false }).catch(() => undefined);
      source.destroy();
      if (!this.target.destroyed) this.write(this.masker.flush());
      if (this.waiting) await new Promise<void>((resolve) => this.written.push(resolve));
      // A failed write reports its 'error' a tick later, even one that failed at once.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.target.off('error', broken);
    }
  }

  /** Writes the pieces at once; false (pause reading) while they wait in the target's queue. */
  private write(pieces: Buffer[]): boolean {
    const last = pieces.length - 1;
    if (last < 0) return true;
    if (this.file !== undefined) return this.writeFile(this.file, pieces);
    this.target.cork();
    for (let index = 0; index < last; index += 1) this.target.write(pieces[index]);
    this.target.write(pieces[last], () => {
      for (const settle of this.written.splice(0)) settle();
      if (!this.waiting) return;
      this.waiting = false;
      this.source?.resume();
    });
    this.target.uncork();
    this.waiting = this.target.writableLength > 0;
    return !this.waiting;
  }

  /**
   * One writev system call: a file stream would make one write call per piece,
   * and its writes are synchronous anyway. A failure (a full disk) fails the
   * target as a failed stream write would.
   */
  private writeFile(fd: number, pieces: Buffer[]): boolean {
    try {
      const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
      const written = writevSync(fd, pieces);
      if (written < total) {
        const rest = Buffer.concat(pieces).subarray(written);
        for (let at = 0; at < rest.length; ) at += writeSync(fd, rest, at);
      }
      return true;
    } catch (error) {
      this.target.destroy(error as Error);
      return false;
    }
  }
}

function regularFileOf(target: Writable): number | undefined {
  const { fd } = target as { fd?: unknown };
  if (typeof fd !== 'number') return undefined;
  try {
    return fstatSync(fd).isFile() ? fd : undefined;
  } catch {
    return undefined;
  }
}
