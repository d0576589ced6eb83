// Runs the command as a child with execa: stdio inherited (or through the
// masking streams), signals forwarded, the child's exit status passed back.
import { closeSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { CommandNotExecutableError, CommandNotFoundError } from '../errors.ts';
import { openMaskedRelays } from './mask-stream.ts';
import { forwardSignals } from './signals.ts';

export interface RunChildOptions {
  argv: readonly [string, ...string[]];
  env: Record<string, string>;
  /** Secrets to mask in stdout and stderr; undefined leaves stdio untouched. */
  maskSecrets?: readonly string[] | undefined;
  /** How long a signalled child may take before it is killed. */
  killGraceMs: number;
  log?: ((line: string) => void) | undefined;
  /**
   * Called once the child's signal forwarding is in place, just before it starts,
   * in the same tick: the moment to drop "a signal ends us at once" handlers.
   */
  beforeSpawn?: (() => void) | undefined;
  /** Receives, when output is masked, the way to mask more secrets later (refreshed credentials). */
  onMasking?: ((addSecrets: (secrets: readonly string[]) => void) => void) | undefined;
}

/** Whether the command names a directory (execve says EACCES for one): as given, or found on PATH. */
function isDirectory(file: string): boolean {
  const candidates = file.includes('/') ? [file] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, file));
  return candidates.some((path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  });
}

/** 128 + n for signal n, the shell's convention. */
export function exitCodeForSignal(signal: string): number {
  return 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
}

/** execa's types list descriptors up to 9; it hands any to child_process, which takes any. */
const descriptor = (fd: number) => fd as 3;

/** Runs the child to its end and returns its exit code (128+n when it died of signal n). */
export async function runChild(options: RunChildOptions): Promise<number> {
  const { execa } = await import('execa');
  const [file, ...args] = options.argv;
  // Masked, the child writes into pipes of ours, read and masked into our stdout and stderr.
  const relays =
    options.maskSecrets === undefined ? undefined : await openMaskedRelays([process.stdout, process.stderr], options.maskSecrets);
  if (relays !== undefined) {
    options.onMasking?.((secrets) => {
      for (const relay of relays) relay.addSecrets(secrets);
    });
  }
  // From here to execa() nothing awaits, so no signal can fall between the two handlers.
  const forwarder = forwardSignals(options.killGraceMs, options.log);
  options.beforeSpawn?.();
  const subprocess = execa(file, args, {
    env: options.env,
    extendEnv: false,
    stdin: 'inherit',
    stdout: relays?.[0] ? descriptor(relays[0].childEnd) : 'inherit',
    stderr: relays?.[1] ? descriptor(relays[1].childEnd) : 'inherit',
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    forceKillAfterDelay: false,
  });
  forwarder.attach(subprocess);
  // The child holds its own copies now; ours would keep the relays from seeing its end.
  for (const relay of relays ?? []) closeSync(relay.childEnd);
  try {
    const result = await subprocess;
    await Promise.all(relays?.map((relay) => relay.done) ?? []);
    if (result.code === 'ENOENT') {
      throw new CommandNotFoundError(`${file}: command not found`, {
        fix: 'check the spelling and PATH, or give a path such as ./deploy.sh',
      });
    }
    if (result.code === 'EISDIR' || (result.code === 'EACCES' && isDirectory(file))) {
      throw new CommandNotExecutableError(`${file}: is a directory, not a program`, {
        fix: `give the program to run, e.g. ${file.replace(/\/+$/, '')}/deploy.sh, not its folder`,
      });
    }
    if (result.code === 'EACCES' || result.code === 'ENOEXEC') {
      throw new CommandNotExecutableError(`${file}: cannot be executed (${result.code})`, {
        fix: `make it executable (chmod +x ${file}) and give it a #! line, or run it through its interpreter`,
      });
    }
    if (result.signal !== undefined) return exitCodeForSignal(result.signal);
    return result.exitCode ?? 1;
  } finally {
    forwarder.stop();
  }
}
