// Spawns the built CLI the way users do, with a clean environment, so nothing
// from the developer's machine (AWS variables, ~/.aws) leaks into a test.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/with-assumed-role.cjs');
export const FIXTURES = join(ROOT, 'test/support/fixtures');

export type Env = Record<string, string | undefined>;

/** A fresh HOME per call site: no ~/.aws, no config from the machine. */
export function isolatedHome(): string {
  return mkdtempSync(join(tmpdir(), 'war-home-'));
}

/** PATH and a throw-away HOME; instance metadata off unless a test points it somewhere. */
export function cleanEnv(extra: Env = {}): Env {
  const home = isolatedHome();
  return {
    PATH: process.env.PATH,
    HOME: home,
    USER: 'alice',
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

export interface RunOptions {
  env: Env;
  cwd?: string;
  input?: string;
  /** Keep stdin open as a pipe the test writes to. */
  pipeStdin?: boolean;
  timeout?: number;
}

/** Starts the CLI; await it for { exitCode, stdout, stderr }. */
export function startCli(args: readonly string[], options: RunOptions) {
  // `node --` first: Node itself reads an --env-file it sees before a `--`, even after the script.
  return execa(process.execPath, ['--', CLI, ...args], {
    env: options.env,
    extendEnv: false,
    reject: false,
    all: true,
    stripFinalNewline: false,
    cwd: options.cwd ?? ROOT,
    timeout: options.timeout ?? 60_000,
    ...(options.input !== undefined ? { input: options.input } : { stdin: options.pipeStdin ? ('pipe' as const) : ('ignore' as const) }),
  });
}

export async function runCli(args: readonly string[], options: RunOptions) {
  const result = await startCli(args, options);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    all: String(result.all),
  };
}

export const fixture = (name: string) => join(FIXTURES, name);
