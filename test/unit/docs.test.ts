// Every relative link in the README and docs/ points at a file that exists and, with
// a #fragment, at a heading it has (GitHub's anchors).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { violations, withDrawing } from '../../scripts/import-graph.ts';
import { PAGE, withTables } from '../../scripts/sdk-matrix-table.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const pages = ['README.md', 'CHANGELOG.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)].filter((page) =>
  page.endsWith('.md'),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replaceAll(' ', '-');
}

const anchorsIn = (text: string) =>
  new Set(
    text
      .replace(/^```[\s\S]*?^```/gm, '')
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchorOf(line.replace(/^#+ /, ''))),
  );

it.each(pages)('%s: every relative link and anchor resolves', (page) => {
  const text = readFileSync(join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const broken: string[] = [];
  for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path = '', fragment] = target.split('#');
    const file = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
    if (!existsSync(file)) {
      broken.push(`${target}: no such file`);
      continue;
    }
    if (fragment !== undefined && !anchorsIn(readFileSync(file, 'utf8')).has(fragment)) broken.push(`${target}: no such heading`);
  }
  expect(broken).toEqual([]);
});

it('docs pages each open with a title and what a reader comes for', () => {
  for (const page of pages.filter((name) => name.startsWith('docs/'))) {
    const text = readFileSync(join(ROOT, page), 'utf8');
    expect(text, page).toMatch(/^# .+\n\n\S/);
  }
});

it('docs/sdk-matrix.md shows what the SDK matrix tests expect (node scripts/sdk-matrix-table.ts --write)', () => {
  const page = readFileSync(join(ROOT, PAGE), 'utf8');
  expect(page).toBe(withTables(page));
});

it('no source folder imports one above it, and docs/development.md draws the graph as it is (node scripts/import-graph.ts --write)', () => {
  expect(violations()).toEqual([]);
  const page = readFileSync(join(ROOT, 'docs/development.md'), 'utf8');
  expect(page).toBe(withDrawing(page));
});
