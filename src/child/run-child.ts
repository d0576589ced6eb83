// Runs the command as a child with execa: stdio inherited (or through the
// masking streams), signals forwarded, the child's exit status passed back.
import { constants } from 'node:os';
import { finished } from 'node:stream/promises';
import { CommandNotExecutableError, CommandNotFoundError } from '../errors.ts';
import { MaskStream } from './mask-stream.ts';
import { forwardSignals } from './signals.ts';

export interface RunChildOptions {
  argv: readonly [string, ...string[]];
  env: Record<string, string>;
  /** Secrets to mask in stdout and stderr; undefined leaves stdio untouched. */
  maskSecrets?: readonly string[] | undefined;
  /** How long a signalled child may take before it is killed. */
  killGraceMs: number;
  log?: ((line: string) => void) | undefined;
}

/** 128 + n for signal n, the shell's convention. */
export function exitCodeForSignal(signal: string): number {
  return 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
}

/** Runs the child to its end and returns its exit code (128+n when it died of signal n). */
export async function runChild(options: RunChildOptions): Promise<number> {
  const { execa } = await import('execa');
  const [file, ...args] = options.argv;
  const masked = options.maskSecrets !== undefined;
  const subprocess = execa(file, args, {
    env: options.env,
    extendEnv: false,
    stdin: 'inherit',
    stdout: masked ? 'pipe' : 'inherit',
    stderr: masked ? 'pipe' : 'inherit',
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    forceKillAfterDelay: false,
  });
  const stopForwarding = forwardSignals(subprocess, options.killGraceMs, options.log);
  const piping: Promise<void>[] = [];
  if (masked && subprocess.stdout && subprocess.stderr) {
    for (const [source, target] of [
      [subprocess.stdout, process.stdout],
      [subprocess.stderr, process.stderr],
    ] as const) {
      const mask = new MaskStream(options.maskSecrets ?? []);
      source.pipe(mask).pipe(target, { end: false });
      piping.push(finished(mask).catch(() => undefined));
    }
  }
  try {
    const result = await subprocess;
    await Promise.all(piping);
    if (result.code === 'ENOENT') {
      throw new CommandNotFoundError(`${file}: command not found`, {
        fix: 'check the spelling and PATH, or give a path such as ./deploy.sh',
      });
    }
    if (result.code === 'EACCES' || result.code === 'EISDIR' || result.code === 'ENOEXEC') {
      throw new CommandNotExecutableError(`${file}: cannot be executed (${result.code})`, {
        fix: `make it executable (chmod +x ${file}) and give it a #! line, or run it through its interpreter`,
      });
    }
    if (result.signal !== undefined) return exitCodeForSignal(result.signal);
    return result.exitCode ?? 1;
  } finally {
    stopForwarding();
  }
}
