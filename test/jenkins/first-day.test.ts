// A Jenkins administrator's first day, as docs/install-jenkins.md tells it: the first
// pipeline on the page runs in the harness and prints what the page shows; the pages
// and Jenkinsfile.example pin the release this repository is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { VERSION } from '../../src/domain/version.ts';
import { ROOT } from '../support/cli.ts';
import { buildVariables, describeWithGroovy, runPipeline, stepLines } from '../support/jenkins-harness.ts';
import { useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const page = readFileSync(join(ROOT, 'docs/install-jenkins.md'), 'utf8');

/** The page's fenced blocks of one language ('' for none), after a heading. */
function blocksAfter(heading: string, language: string): string[] {
  const section = page.slice(page.indexOf(`## ${heading}`));
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].filter(([, tag]) => tag === language).map(([, , body]) => body as string);
}

describeWithGroovy('docs/install-jenkins.md', () => {
  it('the first pipeline runs as the page shows: the role, and the two lines of its own the page prints', async () => {
    const [script = ''] = blocksAfter('A first pipeline', 'groovy');
    const [shown = ''] = blocksAfter('A first pipeline', '');
    expect(script).toContain(`@Library('with-assumed-role@v${VERSION}') _`);
    // The harness loads the library itself: the annotation is Jenkins' to read.
    const pipeline = script.replace(/^@Library\(.*$/m, '');
    const run = await runPipeline(pipeline, world.instanceProfileEnv({ AWS_DEFAULT_REGION: 'eu-west-1' }), {
      pipelineEnv: buildVariables({ JOB_NAME: 'first', BUILD_NUMBER: '1' }),
    });
    expect(run.exitCode, run.console).toBe(0);
    const assumed = 'arn:aws:sts::521111111144:assumed-role/DeployMaster/first-dev-jenkins-1';
    expect(run.console).toContain(`"Arn": "${assumed}"`);
    const body = ['+ aws sts get-caller-identity', '"UserId"', '"Account"', '"Arn"'];
    const own = stepLines(run.console, body).filter((line) => line !== '{' && line !== '}');
    const expected = shown.trim().split('\n');
    expect(own.length).toBe(expected.length);
    own.forEach((line, at) => {
      const pattern = (expected[at] as string)
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/, '\\S+')
        .replace(/0\\\.2\\\.0/, VERSION.replaceAll('.', '\\.'));
      expect(line).toMatch(new RegExp(`^${pattern}$`));
    });
  });
});

it('Jenkinsfile.example and the pages pin the release this repository is', () => {
  const pins = (text: string) => [...text.matchAll(/@Library\('with-assumed-role@([^']+)'\)/g)].map(([, pin]) => pin);
  for (const file of ['Jenkinsfile.example', 'docs/install-jenkins.md', 'docs/jenkins.md', 'README.md']) {
    const found = pins(readFileSync(join(ROOT, file), 'utf8'));
    expect(found.length, file).toBeGreaterThan(0);
    for (const pin of found) expect(pin, file).toBe(`v${VERSION}`);
  }
  expect(page).toContain(`defaultVersion: v${VERSION}`);
});
