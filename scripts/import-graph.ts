// The source folders' import graph, and the layer order it must keep: a folder
// imports only folders below it (and itself). `node scripts/import-graph.ts` prints
// the graph; --write puts it in docs/development.md between its markers; a unit test
// fails on a folder that imports one above it, and on a drawing that is not current.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Bottom to top. The files at src/ itself (entry points: cli, bin, index, library, help) sit above them all. */
export const LAYERS = [
  'domain',
  'iam',
  'aws',
  'credentials',
  'output',
  'child',
  'serve',
  'diagnostics',
  'options',
  'launcher',
  'commands',
  '.',
] as const;

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (file: string) => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : '.';
};

/** folder -> the folders its files import (relative imports only, itself left out). */
export function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const [, spec = ''] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)) {
      const to = folderOf(resolve(dirname(file), spec));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** `a -> b` for each import of a folder above (or beside, unranked) the importing one. */
export function violations(graph = importGraph()): string[] {
  const rank = (folder: string) => (LAYERS as readonly string[]).indexOf(folder);
  const found: string[] = [];
  for (const [from, edges] of graph) {
    if (rank(from) === -1) found.push(`${from}: a folder of no layer (scripts/import-graph.ts LAYERS)`);
    for (const to of edges) if (rank(to) === -1 || rank(to) >= rank(from)) found.push(`${from} -> ${to}`);
  }
  return found.sort();
}

export const START = '<!-- imports:start -->';
export const END = '<!-- imports:end -->';

/** The graph as a list, top layer first: each folder and what it imports. */
export function drawing(graph = importGraph()): string {
  const lines = [...LAYERS].reverse().map((folder) => {
    const edges = [...(graph.get(folder) ?? [])].sort((a, b) => LAYERS.indexOf(b as never) - LAYERS.indexOf(a as never));
    const name = folder === '.' ? 'src/*.ts (entry points)' : `${folder}/`;
    return `${name.padEnd(26)} imports ${edges.length === 0 ? 'nothing of ours' : edges.map((edge) => (edge === '.' ? 'src/*.ts' : `${edge}/`)).join(', ')}`;
  });
  return ['```', ...lines, '```'].join('\n');
}

export function withDrawing(page: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`docs/development.md lacks the ${START} and ${END} markers`);
  return `${page.slice(0, start + START.length)}\n${drawing()}\n${page.slice(end)}`;
}

if (process.argv[1] === import.meta.filename) {
  if (process.argv.includes('--write')) {
    const page = resolve(import.meta.dirname, '../docs/development.md');
    writeFileSync(page, withDrawing(readFileSync(page, 'utf8')));
  }
  process.stdout.write(`${drawing()}\n`);
  const found = violations();
  if (found.length > 0) process.stdout.write(`\nimports of a folder above:\n${found.join('\n')}\n`);
}
