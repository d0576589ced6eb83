// Pipes for the child's stdout and stderr when its output is masked. Pipes, not
// the socket pair child_process makes: a script's `echo oops > /dev/stderr` or
// `tee /dev/stdout` opens its own output again, which Linux refuses for a socket
// (ENXIO) and allows for a pipe. Node cannot make an anonymous pipe, so: named
// ones, made by mkfifo in a fresh 0700 directory (private-folder.ts), both ends
// opened and each checked to be a pipe of ours that only we can open (another user
// who renamed the folder could only offer pipes of their own), the directory
// removed before the child starts. The wrapper reads its ends into buffers of its
// own (net's onread) rather than through a Readable's chunks. A pipe holds 64 KB,
// so the child and the relay would take turns every 64 KB: on Linux perl, when
// there is one, enlarges the pipes to 256 KB in the background.

import { execFile, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { type OnReadOpts, Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigurationError } from '../domain/errors.ts';
import { makePrivateFolder, removePrivateFolder, temporaryBase } from './private-folder.ts';

export interface OutputPipe {
  /** Our end, reading through its `onread` buffer. */
  ours: Socket;
  /** The child's end, blocking as a program expects its stdout to be: give it as a stdio descriptor, then close it here. */
  theirs: number;
}

/** One pipe per `onread`, in order. */
export async function outputPipes(reads: readonly OnReadOpts[]): Promise<OutputPipe[]> {
  let dir: string;
  try {
    dir = makePrivateFolder();
  } catch (error) {
    throw unusableTmpdir(error);
  }
  try {
    const paths = reads.map((_, index) => join(dir, String(index)));
    await promisify(execFile)('mkfifo', ['-m', '600', ...paths]).catch((error: unknown) => {
      throw new ConfigurationError(`mkfifo: cannot make the pipes masking needs (${(error as NodeJS.ErrnoException).code ?? error})`, {
        fix: 'install mkfifo (coreutils or busybox), or run with --no-mask',
        cause: error,
      });
    });
    const opened: number[] = [];
    try {
      const ends = paths.map((path) => {
        // The reading end first, without waiting; then the writing end opens at once, and blocking.
        const ours = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
        opened.push(ours);
        checkOwnPipe(ours, path);
        const theirs = openSync(path, constants.O_WRONLY);
        opened.push(theirs);
        checkOwnPipe(theirs, path);
        return { ours, theirs };
      });
      const pipes = ends.map(({ ours, theirs }, index) => ({
        ours: new Socket({ fd: ours, readable: true, writable: false, onread: reads[index] as OnReadOpts }),
        theirs,
      }));
      enlarge(
        ends.map(({ ours }) => ours),
        pipes.map(({ ours }) => ours),
      );
      return pipes;
    } catch (error) {
      for (const fd of opened) closeSync(fd);
      throw error;
    }
  } finally {
    removePrivateFolder(dir);
  }
}

/** The descriptor must be a pipe of ours, mode 0600: anything else was put in our folder's place. */
function checkOwnPipe(fd: number, path: string): void {
  const info = fstatSync(fd);
  const uid = process.getuid?.();
  if (!info.isFIFO() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new ConfigurationError(`${path}: not the pipe just made (another user replaced the folder it was in)`, {
      fix: `set TMPDIR to a folder of your own (mkdir -m 700 ~/tmp; export TMPDIR=~/tmp), or run with --no-mask`,
    });
  }
}

/**
 * What the relays read at once. Measured (npm run bench): into a file 128 KB
 * and 256 KB do alike and 64 KB worse; to a socket (208 KB of buffer) 256 KB
 * is worse, since most writes then fill it and wait.
 */
export const PIPE_READ_BYTES = 128 * 1024;

/** F_SETPIPE_SZ, Linux's fcntl command for a pipe's capacity. */
const F_SETPIPE_SZ = 1031;
/** As fast as 1 MB (npm run bench), at a quarter of the kernel memory and of the user's pipe quota. */
const ENLARGED_BYTES = 256 * 1024;

/**
 * Asks perl to enlarge the pipes behind these descriptors to 256 KB, without
 * waiting: Node has no fcntl. Into a file, a masked 200 MB takes 0.1x-0.15x of the
 * unmasked time less (npm run bench). Best effort and harmless either way: no
 * perl (Alpine), a lower /proc/sys/fs/pipe-max-size or a user over its pipe
 * quota leaves them at 64 KB, a pipe enlarged after the child's first writes
 * keeps them. Asked on the next turn of the event loop, by which time the
 * command has usually been started, so that perl starts alongside it rather
 * than ahead of it; not asked if a socket has closed by then (a command that
 * ended at once): its descriptor may be gone, or another's.
 */
function enlarge(fds: readonly number[], sockets: readonly Socket[]): void {
  if (process.platform !== 'linux') return;
  const script = `for (@ARGV) { open(my $pipe, '<&=', $_) or next; fcntl($pipe, ${F_SETPIPE_SZ}, ${ENLARGED_BYTES}) }`;
  setImmediate(() => {
    if (sockets.some((socket) => socket.destroyed)) return;
    try {
      const perl = spawn('perl', ['-e', script, ...fds.map((_, index) => String(3 + index))], {
        stdio: ['ignore', 'ignore', 'ignore', ...fds],
        env: { PATH: process.env.PATH ?? '' },
      });
      perl.on('error', () => undefined);
      perl.unref();
    } catch {
      // A spawn that fails at once (child_process throws for some errors rather than emitting them): 64 KB it is.
    }
  });
}

/** Fails as making the pipes would, before anything is asked of STS: TMPDIR must be a directory we can write. */
export function checkPipeFolder(): void {
  const base = temporaryBase().path;
  try {
    accessSync(base, constants.W_OK | constants.X_OK);
    if (!statSync(base).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (error) {
    throw unusableTmpdir(error);
  }
}

function unusableTmpdir(cause: unknown): ConfigurationError {
  const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new ConfigurationError(`TMPDIR=${temporaryBase().path}: cannot hold the pipes masking needs (${code})`, {
    fix: 'point TMPDIR at a writable directory, or run with --no-mask',
    cause,
  });
}
