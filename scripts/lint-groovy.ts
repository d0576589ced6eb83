// Lints the Jenkins step and Jenkinsfile.example with npm-groovy-lint (CodeNarc,
// recommended-jenkinsfile rules). It needs Java: without it, a notice locally and a
// failure under CI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';
const env = { ...process.env, ...(existsSync(JAVA_HOME) ? { JAVA_HOME } : {}) };
const java = spawnSync(existsSync(`${JAVA_HOME}/bin/java`) ? `${JAVA_HOME}/bin/java` : 'java', ['-version'], { stdio: 'ignore' });
if (java.status !== 0) {
  if (process.env.CI) {
    console.error('lint-groovy: Java is required under CI to lint jenkins/vars and Jenkinsfile.example');
    process.exit(1);
  }
  console.warn('NOTICE: Java not found; skipping npm-groovy-lint of jenkins/vars and Jenkinsfile.example.');
  process.exit(0);
}
const lint = spawnSync('npm-groovy-lint', ['--noserver', '--failon', 'warning', '--output', 'txt', 'jenkins/vars', 'Jenkinsfile.example'], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8',
});
if (lint.error) console.error(`lint-groovy: cannot run npm-groovy-lint (${lint.error.message}): run it through npm run lint`);
else if (lint.status !== 0) process.stdout.write(lint.stdout);
else console.log('npm-groovy-lint: jenkins/vars and Jenkinsfile.example are clean');
process.exit(lint.status ?? 1);
