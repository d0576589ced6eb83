// The masker on streams: a Transform for library users, and the relay the CLI
// puts between the child's stdout/stderr and its own.

import { closeSync, writevSync } from 'node:fs';
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
  /** Masks these too from now on: the credentials, once assumed, and each refresh's. */
  addSecrets(secrets: readonly string[]): void;
  /**
   * The command has exited: relay what is written for `graceMs` more at most, then close
   * our end, whatever processes it left still hold theirs (they then get a broken pipe).
   */
  finish(graceMs: number): void;
  /** Settles once the child's end is closed everywhere (or finish cut it) and every byte read is written, masked. */
  done: Promise<void>;
}

/**
 * One relay per target, each copying what the child writes to its end into the
 * target, masked. Each read goes out in one writev system call straight to the
 * target's descriptor (a stream would do work per piece, and a read with secrets
 * in it is many pieces); what the descriptor does not take at once (a full pipe)
 * waits in the target's queue, with reading paused until it has left, since the
 * read buffer is reused. The targets stay open. When a target fails (its reader
 * went away: `| head`), the relay closes its end of the pipe: the child's next
 * write meets a broken pipe (SIGPIPE), as it would have writing there directly.
 */
export async function openMaskedRelays(targets: readonly Writable[], secrets: readonly string[] = []): Promise<MaskedRelay[]> {
  const relays = targets.map((target) => new Relay(target, secrets));
  const pairs = await outputPipes(relays.map((relay) => relay.onread));
  return pairs.map(({ ours, theirs }, index) => {
    const relay = relays[index] as Relay;
    return {
      childEnd: theirs,
      addSecrets: (secrets) => relay.masker.add(secrets),
      finish: (graceMs) => relay.finish(graceMs),
      done: relay.run(ours),
    };
  });
}

class Relay {
  readonly onread: OnReadOpts;
  private readonly target: Writable;
  private readonly fd: number | undefined;
  readonly masker: Masker;
  private source: Socket | undefined;
  /** Whether reading is paused until the target's queue is empty. */
  private waiting = false;
  /** Called when the last queued write leaves the target's queue. */
  private readonly written: (() => void)[] = [];
  /** Cuts the pipe once the command has been gone for the grace period (finish). */
  private cutTimer: NodeJS.Timeout | undefined;

  constructor(target: Writable, secrets: readonly string[]) {
    this.target = target;
    const { fd } = target as { fd?: unknown };
    this.fd = typeof fd === 'number' ? fd : undefined;
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
      clearTimeout(this.cutTimer);
      this.target.off('error', broken);
    }
  }

  /**
   * Stops reading once `graceMs` passed with nothing waiting for the target: what the
   * command wrote is all relayed, however slow the reader; what processes it left
   * behind write after that is cut, never shown unmasked.
   */
  finish(graceMs: number): void {
    if (this.cutTimer !== undefined) return;
    const arm = () => {
      this.cutTimer = setTimeout(() => (this.waiting ? arm() : this.source?.destroy()), graceMs);
    };
    arm();
  }

  /** Writes the pieces; false (pause reading) while some wait in the target's queue, or the target failed. */
  private write(pieces: Buffer[]): boolean {
    if (pieces.length === 0) return true;
    const rest = this.fd === undefined || this.target.writableLength > 0 ? pieces : this.writeNow(this.fd, pieces);
    if (rest === undefined) return false;
    const last = rest.length - 1;
    if (last < 0) return true;
    this.target.cork();
    for (let index = 0; index < last; index += 1) this.target.write(rest[index]);
    this.target.write(rest[last], () => {
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
   * What of the pieces one writev does not take (a full pipe takes part or
   * nothing), or undefined when the target failed (its reader is gone, a full
   * disk): the target fails as a failed stream write would fail it.
   */
  private writeNow(fd: number, pieces: Buffer[]): Buffer[] | undefined {
    let written = 0;
    try {
      written = writevSync(fd, pieces);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
        this.target.destroy(error as Error);
        return undefined;
      }
    }
    let index = 0;
    while (index < pieces.length && written >= (pieces[index] as Buffer).length) written -= (pieces[index++] as Buffer).length;
    const rest = pieces.slice(index);
    if (written > 0) rest[0] = (rest[0] as Buffer).subarray(written);
    return rest;
  }
}

/** Ends relays whose child never started: their pipes closed, their reading done. */
export async function discardRelays(relays: readonly MaskedRelay[]): Promise<void> {
  for (const relay of relays) closeSync(relay.childEnd);
  await Promise.all(relays.map((relay) => relay.done));
}
