// A describe block that needs a tool this machine may lack: run where it is here,
// skipped with a notice on a developer machine, and a failing test under CI, which
// must provide it (.ci/run installs what it can).
import { describe, it } from 'vitest';

export interface Requirement {
  /** Whether the tool is here. */
  available: boolean;
  /** The failing test's name under CI: `needs X, which CI must provide`. */
  needs: string;
  /** Its error under CI: what is missing and how CI gets it. */
  missingUnderCi: string;
  /** The notice where the block is skipped. */
  notice: (name: string) => string;
  /** The block's test timeout, where its tests take longer than vitest's default. */
  timeout?: number;
}

export function describeRequiring(requirement: Requirement, name: string, body: () => void): void {
  if (requirement.available) {
    describe(name, requirement.timeout === undefined ? {} : { timeout: requirement.timeout }, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () =>
      it(requirement.needs, () => {
        throw new Error(requirement.missingUnderCi);
      }),
    );
    return;
  }
  console.warn(requirement.notice(name));
  describe.skip(name, body);
}
