// Connected pairs of Unix stream sockets: the child writes its output into one
// end, the wrapper reads the other into a buffer of its own choosing (net's
// onread), instead of the 64 KB chunks that child_process pipes hand through a
// Readable. Node has no socketpair(), so:
// a listener on a path in a fresh 0700 directory, one connection per pair,
// then listener and directory are gone before the child starts.

import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type OnReadOpts, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../errors.ts';

export interface SocketPair {
  /** Our end, reading through its `onread` buffer. */
  ours: Socket;
  /** The child's end: give it as a stdio stream, then destroy our copy of it. */
  theirs: Socket;
}

/** One connected pair per `onread`, in order. */
export async function socketPairs(reads: readonly OnReadOpts[]): Promise<SocketPair[]> {
  const dir = await mkdtemp(join(tmpdir(), 'with-assumed-role-')).catch((error: unknown) => {
    throw unusableTmpdir(error);
  });
  const path = join(dir, 'o');
  // Paused: the child's end must not be read here.
  const server = createServer({ pauseOnConnect: true });
  const pairs: SocketPair[] = [];
  try {
    server.listen(path);
    await once(server, 'listening');
    for (const onread of reads) {
      const accepted = once(server, 'connection') as Promise<[Socket]>;
      const ours = connect({ path, onread });
      const [[theirs]] = await Promise.all([accepted, once(ours, 'connect')]);
      pairs.push({ ours, theirs });
    }
    return pairs;
  } catch (error) {
    for (const { ours, theirs } of pairs) {
      ours.destroy();
      theirs.destroy();
    }
    throw unusableTmpdir(error);
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function unusableTmpdir(cause: unknown): ConfigurationError {
  const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new ConfigurationError(`TMPDIR=${tmpdir()}: cannot hold the sockets masking needs (${code})`, {
    fix: 'point TMPDIR at a writable directory with a short path, or run with --no-mask',
    cause,
  });
}
