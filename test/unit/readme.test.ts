import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { withTable } from '../../scripts/options-table.ts';
import { ExitCode } from '../../src/domain/errors.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

it("the README's options table is the one the definitions make (node scripts/options-table.ts --write)", () => {
  expect(readme).toBe(withTable(readme));
});

it('the README lists every exit code', () => {
  for (const code of Object.values(ExitCode)) expect(readme).toMatch(new RegExp(`\\| ${code} \\|`));
});
