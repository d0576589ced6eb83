// Every temporary file of a test run in one folder, removed when the run ends: the
// tests' TMPDIR (and Java's, for the Jenkins harness) is a fresh folder of its own,
// so a run leaves nothing in /tmp (.ci/run counts). Readable by all (0755), as /tmp
// is searchable by all, for the tests' second local user.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'war-run-'));
  chmodSync(root, 0o755);
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
