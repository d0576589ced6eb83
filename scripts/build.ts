// Builds the CLI into one CommonJS file (esbuild) in dist/ and, unless
// --dist-only, copies it into the Jenkins library's resources.
//
// Why CommonJS: an ES module bundle imports Node's built-ins through ES module
// facades, which touch every lazy export (node:http's pulls in undici, ~20 ms);
// require() does not. Why `dynamic-import: false`: the SDK's own import('node:http')
// would take the same detour.
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';

export const BUNDLE = 'dist/with-assumed-role.cjs';
export const JENKINS_BUNDLE = 'jenkins/resources/with-assumed-role/with-assumed-role.cjs';

await build({
  entryPoints: ['src/bin.ts'],
  outfile: BUNDLE,
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
});

if (!process.argv.includes('--dist-only')) {
  await mkdir('jenkins/resources/with-assumed-role', { recursive: true });
  await copyFile(BUNDLE, JENKINS_BUNDLE);
}
