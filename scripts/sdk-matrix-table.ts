// docs/sdk-matrix.md's tables, made from what the SDK matrix tests expect
// (test/support/sdk-matrix.ts). `node scripts/sdk-matrix-table.ts --write` puts them
// between the page's markers; a test fails when the page's tables are not these.
import { readFileSync, writeFileSync } from 'node:fs';
import { ALL_CLIENTS } from '../test/support/aws-clients.ts';
import {
  type AgentKind,
  CLIENT_NAMES,
  CONTAINER_CELLS,
  expectedResult,
  KIND_NAMES,
  KINDS,
  type MatrixMode,
  whyNotRole,
} from '../test/support/sdk-matrix.ts';

export const START = '<!-- matrix:start -->';
export const END = '<!-- matrix:end -->';
export const PAGE = 'docs/sdk-matrix.md';

const MODE_NAMES: Partial<Record<MatrixMode, string>> = {
  block: 'block form',
  command: 'command form',
  'step-refresh': 'command form, `refresh: true`',
  cli: 'CLI',
  'cli-refresh': 'CLI `--refresh`',
};

export function matrixTables(): string {
  const notes: string[] = [];
  const note = (text: string) => {
    if (!notes.includes(text)) notes.push(text);
    return notes.indexOf(text) + 1;
  };
  const cellOf = (kind: AgentKind, mode: MatrixMode, client: (typeof ALL_CLIENTS)[number]) => {
    const expected = expectedResult(kind, mode, client);
    if (expected === 'role') return 'role';
    if (expected === 'stops') return `stops (${note("the block stops before its body, naming the agent's keys: use the command form")})`;
    return `fails (${note(whyNotRole(kind, mode, client) ?? '')})`;
  };
  const header = `| Mode | Agent | ${ALL_CLIENTS.map((client) => CLIENT_NAMES[client]).join(' | ')} |`;
  const rule = `| --- | --- | ${ALL_CLIENTS.map(() => '---').join(' | ')} |`;
  const rows: string[] = [];
  for (const mode of Object.keys(MODE_NAMES) as MatrixMode[]) {
    for (const kind of KINDS) {
      rows.push(`| ${MODE_NAMES[mode]} | ${KIND_NAMES[kind]} | ${ALL_CLIENTS.map((client) => cellOf(kind, mode, client)).join(' | ')} |`);
    }
  }
  for (const cell of CONTAINER_CELLS) {
    const where = `block form, body in \`${cell.place}\` (${cell.name})`;
    const cells = ALL_CLIENTS.map((client) =>
      !cell.node && (client === 'sdk' || client === 'sdk2') ? 'not run (no node)' : cellOf(cell.kind, cell.mode, client),
    );
    rows.push(`| ${where} | ${KIND_NAMES[cell.kind]} | ${cells.join(' | ')} |`);
  }
  const footnotes = notes.map((text, index) => `${index + 1}. ${text}`);
  return [header, rule, ...rows, '', ...footnotes].join('\n');
}

export function withTables(page: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`${PAGE} lacks the ${START} and ${END} markers`);
  return `${page.slice(0, start + START.length)}\n${matrixTables()}\n${page.slice(end)}`;
}

if (process.argv.includes('--write')) {
  writeFileSync(PAGE, withTables(readFileSync(PAGE, 'utf8')));
}
