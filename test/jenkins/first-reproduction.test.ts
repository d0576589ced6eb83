// A person's first reproduction, from nothing: the package installed as the README's
// install says (its commands, run as written), a profile of their own, and the line a
// Jenkins run printed, pasted at the root of a clone as docs/reproduce-locally.md says,
// run against the project's STS.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { VERSION } from '../../src/domain/version.ts';
import { REPRODUCTION_NOTE } from '../../src/options/reproduce.ts';
import { ROOT } from '../support/cli.ts';
import { buildVariables, describeWithGroovy, runPipeline } from '../support/jenkins-harness.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const work = mkdtempSync(join(tmpdir(), 'war-first-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The README's install commands for a laptop, past the clone and build this repository already is. */
function readmeInstall(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('**On a laptop or an agent**'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const lines = block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim());
  expect(lines[0]).toMatch(/^git clone --branch v\d+\.\d+\.\d+ /);
  expect(lines[1]).toBe('cd with-assumed-role && ./dev build && npm pack');
  return lines.slice(2).filter((line) => line !== '');
}

/** A clone of the deploying repository: its env file and its deploy script. */
function repository(at: string): string {
  mkdirSync(join(at, 'ci'), { recursive: true });
  writeFileSync(
    join(at, 'ci/dev.env'),
    `WITH_ASSUMED_ROLE_ROLE_ARN=${DEPLOY_ROLE_ARN}\nWITH_ASSUMED_ROLE_ENVIRONMENT=dev\nWITH_ASSUMED_ROLE_REGION=eu-west-1\nDEPLOY_BUCKET=project-dev-artifacts\n`,
  );
  writeFileSync(join(at, 'deploy.sh'), '#!/bin/sh\necho "deploying to $DEPLOY_BUCKET in $AWS_REGION as $AWS_ACCESS_KEY_ID"\n');
  chmodSync(join(at, 'deploy.sh'), 0o755);
  return at;
}

describeWithGroovy("a person's first reproduction", () => {
  it('installs as the README says, and runs the line a Jenkins run printed, at the root of a clone, as the role', async () => {
    // The package, as `npm pack` in the clone makes it.
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    expect(filename).toBe(`with-assumed-role-${VERSION}.tgz`);

    // The laptop: a HOME of its own, node on PATH, nothing else; npm's cache is the machine's (no network needed).
    const home = join(work, 'home');
    mkdirSync(home);
    const laptop = {
      HOME: home,
      USER: 'alice',
      LANG: 'C.UTF-8',
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      npm_config_cache: join(homedir(), '.npm'),
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };
    const install = await execa('bash', ['-euo', 'pipefail', '-c', readmeInstall().join('\n')], {
      cwd: work,
      env: laptop,
      extendEnv: false,
      reject: false,
    });
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout.trim().split('\n').at(-1)).toBe(VERSION);

    // A Jenkins run of the step in its workspace, printing the line.
    const workspace = repository(join(work, 'workspace'));
    const run = await runPipeline(
      "withAssumedRole(envFile: 'ci/dev.env', command: './deploy.sh')",
      world.instanceProfileEnv(),
      { pipelineEnv: buildVariables({ JOB_NAME: 'team/app main', BUILD_NUMBER: '42' }) },
      {},
      workspace,
    );
    expect(run.exitCode, run.console).toBe(0);
    const printed = /reproduce locally: (.*)$/m.exec(run.console)?.[1] ?? '';
    expect(printed).toBe(`withAssumedRole --env-file ci/dev.env --project 'team/app main' -- /bin/sh -c ./deploy.sh  ${REPRODUCTION_NOTE}`);

    // The person's profile, as `aws configure --profile dev` writes it, and the page's AWS_PROFILE.
    const person = world.server.addUser('arn:aws:iam::123456789012:user/alice', generateCredentials('AKIA'));
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws/config'), '[profile dev]\nregion = eu-west-1\n');
    writeFileSync(
      join(home, '.aws/credentials'),
      `[dev]\naws_access_key_id = ${person.accessKeyId}\naws_secret_access_key = ${person.secretAccessKey}\n`,
    );
    const clone = repository(join(work, 'laptop-clone'));
    world.server.reset();
    const reproduced = await execa('bash', ['-c', printed], {
      cwd: clone,
      env: {
        ...laptop,
        PATH: `${home}/.local/bin:${laptop.PATH}`,
        AWS_PROFILE: 'dev',
        // Where AWS is, in this test: the project's STS; and no instance metadata on a laptop.
        AWS_ENDPOINT_URL_STS: world.server.url,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      extendEnv: false,
      reject: false,
    });
    expect(reproduced.exitCode, reproduced.stderr).toBe(0);
    const [call] = world.server.assumeRoleCalls();
    expect(call?.accessKeyId).toBe(person.accessKeyId);
    expect(call?.params.RoleArn).toBe(DEPLOY_ROLE_ARN);
    expect(call?.params.RoleSessionName).toBe('team-app-main-dev-local-alice');
    expect(reproduced.stdout).toMatch(/^deploying to project-dev-artifacts in eu-west-1 as ASIA\w+$/m);

    // From a folder below the clone's root, the env file is not there: the CLI says so itself, naming the fix.
    const below = await execa('bash', ['-c', printed], {
      cwd: join(clone, 'ci'),
      env: { ...laptop, PATH: `${home}/.local/bin:${laptop.PATH}`, AWS_PROFILE: 'dev' },
      extendEnv: false,
      reject: false,
    });
    expect(below.exitCode).toBe(78);
    expect(below.stderr).toContain('withAssumedRole: --env-file ci/dev.env: cannot be read (ENOENT)');
  });
});
