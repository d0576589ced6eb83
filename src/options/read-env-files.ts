// Reads the --env-file files (dotenv format): their variables reach the child,
// and their WITH_ASSUMED_ROLE_* entries are settings.
import { readFile } from 'node:fs/promises';
import dotenv from 'dotenv';
import { ConfigurationError } from '../domain/errors.ts';

export interface EnvFile {
  path: string;
  variables: Record<string, string>;
  /** The file's bytes, for the invocation's key. */
  bytes: Uint8Array;
}

/** Each file's variables, in the order given; an unreadable file is a configuration error (78). */
export async function readEnvFiles(paths: readonly string[], flag = '--env-file'): Promise<EnvFile[]> {
  return Promise.all(
    paths.map(async (path) => {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigurationError(`${flag} ${path}: cannot be read (${reason})`, {
          fix: `check the path (relative to ${process.cwd()}) and its permissions`,
          cause: error,
        });
      }
      const problem = textProblem(bytes);
      if (problem !== undefined) {
        throw new ConfigurationError(`${flag} ${path}: not a dotenv file: ${problem}`, {
          fix: 'name the text file of KEY=value lines meant here',
        });
      }
      return { path, variables: dotenv.parse(bytes), bytes };
    }),
  );
}

/** Why these bytes are not text dotenv could mean: NUL bytes, or not UTF-8. */
function textProblem(bytes: Buffer): string | undefined {
  if (bytes.includes(0)) return 'it holds NUL bytes';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return undefined;
  } catch {
    return 'it is not UTF-8 text';
  }
}

/** Later files win over earlier ones. */
export function mergeEnvFiles(files: readonly EnvFile[]): Record<string, string> {
  return Object.assign({}, ...files.map((file) => file.variables)) as Record<string, string>;
}
