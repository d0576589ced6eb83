// What a command may do besides returning its exit code: the one seam between
// src/cli.ts and src/commands/*, below both so neither imports the other's importer.
import type { Environment } from '../domain/environment.ts';

export interface CommandIo {
  env: Environment;
  stdout(text: string): void;
  /** Hands signal handling over from "end at once" to the child's forwarding. */
  releaseSignals(): void;
}
