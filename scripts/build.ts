// Builds the CLI into CommonJS files (esbuild) in dist/ and, unless --dist-only,
// copies the main one into the Jenkins library's resources.
//
// Why CommonJS: an ES module bundle imports Node's built-ins through ES module
// facades, which touch every lazy export (node:http's pulls in undici, ~20 ms);
// require() does not. Why `dynamic-import: false`: the SDK's own import('node:http')
// would take the same detour.
//
// Why several files: what only --help, policies and verify use (yargs, yaml, the EC2
// client: 1 MB of the 1.6 MB) is parsed and compiled at every start when bundled in;
// split off, a run loads it only when it needs it. The Jenkins step runs neither of
// those commands: it ships the main file alone.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { type BuildOptions, build, type Plugin } from 'esbuild';

export const BUNDLE = 'dist/with-assumed-role.cjs';
export const JENKINS_BUNDLE = 'jenkins/resources/with-assumed-role/with-assumed-role.cjs';

/** Lazily imported modules -> the sibling file each is bundled into. */
export const SPLIT = {
  './help.ts': { entry: 'src/help.ts', file: 'with-assumed-role-help.cjs' },
  './commands/policies.ts': { entry: 'src/commands/policies.ts', file: 'with-assumed-role-policies.cjs' },
  './ec2-sdk.ts': { entry: 'src/aws/ec2-sdk.ts', file: 'with-assumed-role-ec2.cjs' },
} as const;

/** Imports of the split modules become requires of their sibling files. */
const splitOff = (exclude?: string): Plugin => ({
  name: 'split-off',
  setup(plugin) {
    plugin.onResolve({ filter: /\.ts$/ }, (args) => {
      const split = SPLIT[args.path as keyof typeof SPLIT];
      if (split === undefined || args.kind !== 'dynamic-import' || split.entry === exclude) return undefined;
      return { path: `./${split.file}`, external: true };
    });
  },
});

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // The SDK's ES module builds tree-shake; its CommonJS ones would pull in every command.
  mainFields: ['module', 'main'],
  supported: { 'dynamic-import': false },
  alias: { 'string-width': './scripts/bundle-shims/string-width.ts' },
  // yargs finds its files from import.meta.url, which CommonJS lacks.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  minify: true,
  legalComments: 'none',
  charset: 'ascii',
  logLevel: 'warning',
};

/** Bundles the CLI's files into `dir`; `plugins` first (the bench swaps a module for a stand-in). */
export async function bundleCli(dir: string, plugins: Plugin[] = []): Promise<void> {
  await build({ ...common, entryPoints: ['src/bin.ts'], outfile: `${dir}/with-assumed-role.cjs`, plugins: [...plugins, splitOff()] });
  for (const { entry, file } of Object.values(SPLIT)) {
    await build({ ...common, entryPoints: [entry], outfile: `${dir}/${file}`, plugins: [...plugins, splitOff(entry)] });
  }
  // The launcher's fast path for a fresh credential cache (bin/with-assumed-role.cjs).
  await build({ ...common, entryPoints: ['src/launcher/cache-hit.ts'], outfile: `${dir}/with-assumed-role-cache-hit.cjs`, banner: {} });
}

if (process.argv[1] === import.meta.filename) {
  await bundleCli('dist');
  if (!process.argv.includes('--dist-only')) {
    await mkdir('jenkins/resources/with-assumed-role', { recursive: true });
    await copyFile(BUNDLE, JENKINS_BUNDLE);
    // The step names its copy on an agent by this, and the launcher checks the copy against it.
    const sha = createHash('sha256')
      .update(await readFile(JENKINS_BUNDLE))
      .digest('hex');
    await writeFile(`${JENKINS_BUNDLE}.sha256`, `${sha}\n`);
  }
}
