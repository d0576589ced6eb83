// Whether a tool the tests (or the demo) lean on is installed here.
import { execFileSync } from 'node:child_process';

export function commandWorks(command: string, args: readonly string[] = ['--version'], env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', env });
    return true;
  } catch {
    return false;
  }
}
