// The CLI as a person runs it, at a terminal (a pseudo-terminal made by util-linux's
// `script`), answering prompts when they appear; and as a script runs it, with no
// terminal at all (`setsid`: a session of its own, no controlling terminal, so
// /dev/tty cannot be opened).
import { execa } from 'execa';
import { shellQuote } from '../../src/output/shell-words.ts';
import { CLI, type Env, ROOT } from './cli.ts';

export interface TerminalRun {
  exitCode: number | undefined;
  /** Everything the terminal showed: the prompts, stdout and stderr together. */
  screen: string;
  /** The prompts that were answered, in order. */
  answered: string[];
}

/**
 * Runs the CLI on a pseudo-terminal; each time the screen shows `prompt` (the next
 * one), types its reply. No timing: a reply goes when its prompt has appeared.
 */
export async function runOnTerminal(
  args: readonly string[],
  env: Env,
  replies: readonly { prompt: string; reply: string }[] = [],
): Promise<TerminalRun> {
  const command = [process.execPath, '--', CLI, ...args].map(shellQuote).join(' ');
  const child = execa('script', ['-qfec', command, '/dev/null'], {
    env,
    extendEnv: false,
    reject: false,
    cwd: ROOT,
    stdin: 'pipe',
    timeout: 60_000,
  });
  let screen = '';
  const answered: string[] = [];
  let next = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    screen += chunk.toString();
    const waiting = replies[next];
    const shown = (prompt: string) => screen.split(prompt).length - 1;
    if (waiting !== undefined && shown(waiting.prompt) > answered.filter((prompt) => prompt === waiting.prompt).length) {
      answered.push(waiting.prompt);
      next += 1;
      child.stdin?.write(`${waiting.reply}\n`);
    }
  });
  const result = await child;
  return { exitCode: result.exitCode, screen: screen.replaceAll('\r\n', '\n'), answered };
}

/** Runs the CLI with no controlling terminal at all: nothing can be asked. */
export async function runWithoutTerminal(args: readonly string[], env: Env) {
  const result = await execa('setsid', ['-w', process.execPath, '--', CLI, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: ROOT,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: 60_000,
  });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}
