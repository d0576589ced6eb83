// Runs the command as a child with child_process: stdio inherited (or through the
// masking streams), signals forwarded, the child's exit status passed back.
import { spawn } from 'node:child_process';
import { closeSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { CommandNotExecutableError, CommandNotFoundError } from '../domain/errors.ts';
import type { MaskedRelay } from './mask-stream.ts';
import { forwardSignals } from './signals.ts';

export interface RunChildOptions {
  argv: readonly [string, ...string[]];
  env: Record<string, string>;
  /** Relays (openMaskedRelays) that mask the child's stdout and stderr; undefined leaves stdio untouched. */
  relays?: readonly MaskedRelay[] | undefined;
  /** How long a signalled child may take before it is killed. */
  killGraceMs: number;
  log?: ((line: string) => void) | undefined;
  /**
   * Called once the child's signal forwarding is in place, just before it starts,
   * in the same tick: the moment to drop "a signal ends us at once" handlers.
   */
  beforeSpawn?: (() => void) | undefined;
}

/** Where the command may be: as given, or on PATH. */
const candidatesOf = (file: string) =>
  file.includes('/') ? [file] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, file));

/** The `#!` line of the program `file` names, when it is there and has one: ENOENT then means its interpreter is missing. */
function interpreterOf(file: string): string | undefined {
  for (const path of candidatesOf(file)) {
    try {
      const line = readFileSync(path).subarray(0, 256).toString('latin1').split('\n')[0] ?? '';
      if (line.startsWith('#!')) return line.slice(2).trimStart();
      return undefined;
    } catch {}
  }
  return undefined;
}

/** Whether the command names a directory (execve says EACCES for one). */
function isDirectory(file: string): boolean {
  return candidatesOf(file).some((path) => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  });
}

/**
 * After the command exits, how long the wrapper goes on relaying (masked) what the
 * processes it left behind write, before it closes the pipes and returns.
 */
export const OUTPUT_GRACE_MS = 1000;

/** 128 + n for signal n, the shell's convention. */
export function exitCodeForSignal(signal: string): number {
  return 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
}

/** How the child ended: its exit code or signal, or why it could not start. */
interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: NodeJS.ErrnoException;
}

/** Starts the child: spawn errors (ENOENT, EACCES) come as an event, so the child is waited for either way. */
function start(file: string, args: readonly string[], env: Record<string, string>, out: number | 'inherit', err: number | 'inherit') {
  const child = spawn(file, args, { env, stdio: ['inherit', out, err] });
  const ended = new Promise<Ended>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, ended };
}

/** Runs the child to its end and returns its exit code (128+n when it died of signal n). */
export async function runChild(options: RunChildOptions): Promise<number> {
  const [file, ...args] = options.argv;
  // Masked, the child writes into pipes of ours, read and masked into our stdout and stderr.
  const { relays } = options;
  // From here to spawn() nothing awaits, so no signal can fall between the two handlers.
  const forwarder = forwardSignals(options.killGraceMs, options.log);
  options.beforeSpawn?.();
  const { child, ended } = start(file, args, options.env, relays?.[0]?.childEnd ?? 'inherit', relays?.[1]?.childEnd ?? 'inherit');
  forwarder.attach(child);
  // The child holds its own copies now; ours would keep the relays from seeing its end.
  for (const relay of relays ?? []) closeSync(relay.childEnd);
  try {
    const result = await ended;
    // Processes the command left running may hold its output open for as long as they live: they get a second.
    for (const relay of relays ?? []) relay.finish(OUTPUT_GRACE_MS);
    await Promise.all(relays?.map((relay) => relay.done) ?? []);
    const code = result.error?.code;
    const interpreter = code === 'ENOENT' ? interpreterOf(file) : undefined;
    if (interpreter?.endsWith('\r')) {
      throw new CommandNotFoundError(`${file}: its #! line ends in a carriage return: the script has Windows line endings`, {
        fix: `convert it to Unix line endings (dos2unix ${file}, or git config core.autocrlf input)`,
      });
    }
    if (interpreter !== undefined) {
      throw new CommandNotFoundError(`${file}: its interpreter was not found (#!${interpreter.trim()})`, {
        fix: `install ${interpreter.trim().split(/\s+/)[0]}, or change the script's first line (#!/usr/bin/env bash finds bash on PATH)`,
      });
    }
    if (code === 'ENOENT') {
      throw new CommandNotFoundError(`${file}: command not found`, {
        fix: 'check the spelling and PATH, or give a path such as ./deploy.sh',
      });
    }
    if (code === 'EISDIR' || (code === 'EACCES' && isDirectory(file))) {
      throw new CommandNotExecutableError(`${file}: is a directory, not a program`, {
        fix: `give the program to run, e.g. ${file.replace(/\/+$/, '')}/deploy.sh, not its folder`,
      });
    }
    if (code === 'EACCES' || code === 'ENOEXEC') {
      throw new CommandNotExecutableError(`${file}: cannot be executed (${code})`, {
        fix: `make it executable (chmod +x ${file}) and give it a #! line, or run it through its interpreter`,
      });
    }
    if (result.error !== undefined) throw result.error;
    if (result.signal !== null) return exitCodeForSignal(result.signal);
    return result.code ?? 1;
  } finally {
    forwarder.stop();
  }
}
