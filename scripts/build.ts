// Builds the single-file CLI (esbuild) into dist/ and, unless --dist-only,
// copies it into the Jenkins library's resources.
import { copyFile, mkdir } from 'node:fs/promises';
import { build } from 'esbuild';

const BUNDLE = 'dist/with-assumed-role.mjs';
export const JENKINS_BUNDLE = 'jenkins/resources/with-assumed-role/with-assumed-role.mjs';

await build({
  entryPoints: ['src/bin.ts'],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // The SDK's ES module builds tree-shake; its CommonJS ones would pull in every command.
  mainFields: ['module', 'main'],
  minify: true,
  legalComments: 'none',
  charset: 'ascii',
  // The CommonJS dependencies (dotenv, some SDK parts) call require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

if (!process.argv.includes('--dist-only')) {
  await mkdir('jenkins/resources/with-assumed-role', { recursive: true });
  await copyFile(BUNDLE, JENKINS_BUNDLE);
}
