// The withAssumedRole pipeline step on Groovy 2.4, in a harness that runs `sh` and
// withEnv the way Jenkins does (test/jenkins/harness.groovy), with real AWS clients
// in the body and the loopback STS (and moto) as AWS.
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { STEP_EXIT_MEANINGS } from '../../src/domain/errors.ts';
import { REPRODUCTION_NOTE } from '../../src/options/reproduce.ts';
import { STEP_ONLY, STEP_PARAMETERS } from '../../src/options/step-parameters.ts';
import { availableClients, identitiesCommand, identitiesIn } from '../support/aws-clients.ts';
import { CLI, cleanEnv, type Env, fixture, isolatedHome, ROOT } from '../support/cli.ts';
import { nodeBinaries } from '../support/container-network.ts';
import { buildVariables, describeWithGroovy, runPipeline, startPipeline } from '../support/jenkins-harness.ts';
import { describeWithMoto } from '../support/moto.ts';
import { createTestIssuer } from '../support/oidc-issuer.ts';
import { generateCredentials, sessionRequestOf } from '../support/sts-server.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { processRuns, waitFor } from '../support/wait.ts';

const world = useStsWorld({ tls: true });
const ROLE = `roleArn: '${DEPLOY_ROLE_ARN}'`;
const IDENTITY = "sh 'aws sts get-caller-identity --query Arn --output text'";
const role = (session: string) => `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/${session}`;

/** A Jenkins agent on EC2: instance profile AssumeRoleInA in account B; what the body's v2 client needs to reach the STS. */
function agentEnv(extra: Env = {}): Env {
  return world.instanceProfileEnv({
    AWS_DEFAULT_REGION: 'us-east-1',
    WAR_TEST_PROXY: world.redirect?.proxyUrl,
    WAR_TEST_CA: world.redirect?.caFile,
    ...extra,
  });
}

const stepFolders = (workspace: string) => readdirSync(`${workspace}@tmp`).filter((name) => name.startsWith('with-assumed-role.'));
const arnsIn = (log: string) => log.split('\n').filter((line) => line.startsWith('arn:'));
/** A Groovy single-quoted string literal holding `text` exactly. */
const groovy = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;

describeWithGroovy('the withAssumedRole step', () => {
  it('block form: the body acts as the role; afterwards nothing of it remains', async () => {
    const canary = generateCredentials();
    world.server.nextCredentials.push(canary);
    const env = agentEnv();
    const run = await runPipeline(
      `
withAssumedRole(${ROLE}, environment: 'prod', region: 'eu-west-1') {
  ${IDENTITY}
  sh 'for i in 1 2 3 4; do aws sts get-caller-identity --query Account --output text; done'
  sh 'echo "region=$AWS_REGION profile=$AWS_PROFILE keys=[$AWS_ACCESS_KEY_ID]"'
}
sh 'echo "after: profile=[$AWS_PROFILE] config=[$AWS_CONFIG_FILE] region=[$AWS_REGION]"'
${IDENTITY}
`,
      env,
    );
    expect(run.exitCode).toBe(0);
    expect(arnsIn(run.console)).toEqual([
      role('team-app-main-prod-jenkins-42'),
      `arn:aws:sts::${ACCOUNT_B}:assumed-role/AssumeRoleInA/i-0123456789abcdef0`,
    ]);
    expect(run.console.split('\n').filter((line) => line === ACCOUNT_A)).toHaveLength(4);
    expect(run.console).toContain('region=eu-west-1 profile=with-assumed-role keys=[]');
    expect(run.console).toContain(`after: profile=[] config=[${env.AWS_CONFIG_FILE}] region=[]`);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
    expect(stepFolders(run.workspace)).toEqual([]);
    await expectNoBroker(run.workspace);
    for (const secret of [canary.accessKeyId, canary.secretAccessKey, canary.sessionToken]) expect(run.console).not.toContain(secret);
  });

  it('block form outlives the session: the background refresh keeps every client working', async () => {
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const clients = availableClients();
    const run = await runPipeline(
      `withAssumedRole(${ROLE}, sessionName: 'long-stage') { sh '${fixture('until-served.sh')} 3 ${clients.join(' ')}' }`,
      agentEnv(),
    );
    expect(run.exitCode).toBe(0);
    const rounds = Number(/^done after (\d+) rounds$/m.exec(run.console)?.[1]);
    expect(rounds).toBeLessThan(200);
    const seen = identitiesIn(run.console);
    for (const client of clients) {
      expect(seen[client]?.length, client).toBe(rounds);
      expect(new Set(seen[client]), client).toEqual(new Set([role('long-stage')]));
    }
    const calls = world.server.assumeRoleCalls();
    // One AssumeRole per refresh, none per fetch, is the first test's: five AWS calls in a session cost one.
    expect(calls.length).toBeGreaterThanOrEqual(3);
  });

  it('via: both forms pass through the hub, the block on every refresh too; the body and the command act as the deploy role', async () => {
    const hub = 'arn:aws:iam::111122223333:role/Hub';
    world.server.addRole(DEPLOY_ROLE_ARN, { trusts: ['arn:aws:sts::111122223333:assumed-role/Hub/'] });
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const block = await runPipeline(
      `withAssumedRole(${ROLE}, sessionName: 'hub-stage', via: '${hub}') { sh '${fixture('until-served.sh')} 3 v1' }`,
      agentEnv(),
    );
    expect(block.exitCode, block.console).toBe(0);
    expect(new Set(identitiesIn(block.console).v1)).toEqual(new Set([role('hub-stage')]));
    const asked = world.server.assumeRoleCalls().map((call) => call.params.RoleArn);
    expect(asked.length).toBeGreaterThanOrEqual(6);
    expect(asked).toEqual(asked.map((_, index) => (index % 2 === 0 ? hub : DEPLOY_ROLE_ARN)));
    const command = await runPipeline(
      `withAssumedRole(${ROLE}, sessionName: 'hub-command', via: ['${hub}'], command: 'aws sts get-caller-identity --query Arn --output text')`,
      agentEnv(),
    );
    expect(command.exitCode, command.console).toBe(0);
    expect(command.console).toContain(`\n${role('hub-command')}\n`);
    expect(command.console).toContain(`--via ${hub}`);
  });

  it('a refresh whose agent died ends on its own and takes the credentials with it; the next block removes one that could not', async () => {
    const env = agentEnv();
    const started = startPipeline(`withAssumedRole(${ROLE}, sessionName: 'crash') { sh 'echo "body pid $$"; exec sleep 600' }`, env);
    const body = Number(await waitFor(() => /^body pid (\d+)$/m.exec(readFileSync(started.consoleLog, 'utf8'))?.[1]));
    const [folder] = stepFolders(started.workspace);
    const broker = Number(readFileSync(join(`${started.workspace}@tmp`, folder as string, 'broker.pid'), 'utf8'));
    // kill -9 of the agent: no clean-up step runs.
    started.agent.kill('SIGKILL');
    await started.ended.catch(() => undefined);
    try {
      await waitFor(() => !existsSync(join(`${started.workspace}@tmp`, folder as string)) || undefined);
      await waitFor(() => !processRuns(broker) || undefined);
    } finally {
      process.kill(body, 'SIGKILL');
    }
    // A folder whose broker died too hard to clean up (its heartbeat stopped long ago) goes with the next block there.
    const dead = join(`${started.workspace}@tmp`, 'with-assumed-role.dead');
    mkdirSync(dead, { mode: 0o700 });
    writeFileSync(join(dead, 'request.json'), '{}');
    writeFileSync(join(dead, 'served.json'), '{"planted":"credentials"}');
    const longAgo = new Date(Date.now() - 3600_000);
    utimesSync(join(dead, 'request.json'), longAgo, longAgo);
    utimesSync(dead, longAgo, longAgo);
    const next = await runPipeline(`withAssumedRole(${ROLE}) { sh 'true' }`, env, undefined, {}, started.workspace);
    expect(next.exitCode, next.console).toBe(0);
    expect(existsSync(dead)).toBe(false);
  });

  it('command form with refresh: true: the command gets a refreshing endpoint and keeps working', async () => {
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const run = await runPipeline(
      `withAssumedRole(${ROLE}, sessionName: 'refreshing', refresh: true, command: '${fixture('until-refreshed.sh')} 3 v1 sdk')`,
      agentEnv(),
    );
    expect(run.exitCode, run.console).toBe(0);
    const seen = identitiesIn(run.console);
    expect(new Set([...(seen.v1 ?? []), ...(seen.sdk ?? [])])).toEqual(new Set([role('refreshing')]));
    expect(world.server.assumeRoleCalls().length).toBeGreaterThanOrEqual(3);
    const refused = await runPipeline(`withAssumedRole(${ROLE}, refresh: true) { echo 'no' }`, agentEnv());
    expect(refused.console).toContain("withAssumedRole: refresh applies to command: only; a block's credentials always refresh");
    expect(refused.console).toContain('ERROR: withAssumedRole: exit code 64: a parameter is not valid');
  });

  it('values reach the CLI and the command as written: withEnv expands nothing of them', async () => {
    const marker = join(isolatedHome(), 'pwned');
    const branch = `x";touch ${marker};"`;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: values that hold ${NAME} as written, for withEnv not to expand
    const written = ['$$HOME', '${JOB_NAME}', '$HOME', 'a\\b', "q'uote", 'semi;colon'];
    const command = `printf '<%s>\\n' ${written.map((value) => `'${value.replaceAll("'", "'\\''")}'`).join(' ')} "$BRANCH_NAME"; echo "key=$AWS_ACCESS_KEY_ID"`;
    const agentKeys = world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/agent-keys`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a project name holding ${JOB_NAME} as written
    const project = groovy('p$HOME${JOB_NAME}$$');
    const run = await runPipeline(
      `
withAssumedRole(${ROLE}, project: ${project}, command: ${groovy(command)})
withAssumedRole(${ROLE}, project: ${groovy('q$HOME')}) { ${IDENTITY} }
`,
      agentEnv({ AWS_ACCESS_KEY_ID: agentKeys.accessKeyId, AWS_SECRET_ACCESS_KEY: agentKeys.secretAccessKey }),
      { pipelineEnv: buildVariables({ BRANCH_NAME: branch }) },
    );
    for (const value of [...written, branch]) expect(run.console).toContain(`<${value}>`);
    expect(existsSync(marker)).toBe(false);
    expect(run.console).toContain('key=****');
    expect(run.console).not.toContain(agentKeys.accessKeyId);
    const sessions = world.server.assumeRoleCalls().map((call) => call.params.RoleSessionName);
    expect(sessions[0]).toBe('p-HOME-JOB_NAME-jenkins-42');
    // The agent's own keys would win in the body: the block stops before it, naming them.
    expect(run.exitCode).toBe(1);
    expect(run.console).toContain("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: set in this agent's own environment");
    expect(arnsIn(run.console)).toEqual([]);
  });

  it('parameter values never run as shell; a newline is refused where it cannot be carried; unknown parameters are errors', async () => {
    const marker = join(isolatedHome(), 'pwned');
    const injections = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"; touch ${marker}; "`, `\${env.PATH}`];
    const steps = injections.map(
      (value) => `withAssumedRole(${ROLE}, project: ${groovy(value)}, environment: ${groovy(value)}, externalId: 'ok-id') { ${IDENTITY} }`,
    );
    const run = await runPipeline(steps.join('\n'), agentEnv());
    expect(run.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const sessions = world.server.assumeRoleCalls().map((call) => call.params.RoleSessionName);
    expect(sessions).toHaveLength(injections.length);
    for (const name of sessions) expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);

    const newline = await runPipeline(`withAssumedRole(${ROLE}, externalId: 'a\\nb', command: 'true')`, agentEnv());
    expect(newline.exitCode).toBe(1);
    expect(newline.console).toContain('withAssumedRole: externalId "a\nb": not a valid external ID');
    expect(newline.console).toContain('ERROR: withAssumedRole: exit code 64: a parameter is not valid');
    const multiline = await runPipeline(`withAssumedRole(${ROLE}, command: 'echo one\\necho two')`, agentEnv());
    expect(multiline.exitCode).toBe(0);
    expect(multiline.console).toMatch(/^one\ntwo$/m);

    const unknown = await runPipeline(`withAssumedRole(${ROLE}, rolearn: 'x') { echo 'no' }`, agentEnv());
    expect(unknown.exitCode).toBe(1);
    expect(unknown.console).toContain("withAssumedRole: unknown parameter 'rolearn'; allowed: roleArn, role, account");
    const both = await runPipeline(`withAssumedRole(${ROLE}, command: 'true') { echo 'no' }`, agentEnv());
    expect(both.console).toContain('withAssumedRole: give a block or command:, not both');
    expect(both.console).not.toContain('\nno\n');
  });

  it('a line break inside a list item or a tag value is refused, naming the parameter: it cannot add a tag or an account', async () => {
    const tag = await runPipeline(`withAssumedRole(${ROLE}, tags: [team: 'payments\\nowner=mallory'], command: 'true')`, agentEnv());
    expect(tag.exitCode).toBe(1);
    expect(tag.console).toContain(
      'withAssumedRole: tags "team=payments\\nowner=mallory": an item holds a line break, which would make it two',
    );
    expect(tag.console).toContain('ERROR: withAssumedRole: exit code 64');
    const account = await runPipeline(
      `withAssumedRole(${ROLE}, allowedAccounts: ['999999999999\\n${ACCOUNT_A}']) { sh 'echo body-ran' }`,
      agentEnv(),
    );
    expect(account.exitCode).toBe(1);
    expect(account.console).toContain(`withAssumedRole: allowedAccounts "999999999999\\n${ACCOUNT_A}": an item holds a line break`);
    expect(account.console).not.toContain('body-ran');
    expect(world.server.calls).toEqual([]);
  });

  it('command form: runs the command as the role, masks its output, passes returnStatus back', async () => {
    const canary = generateCredentials();
    world.server.nextCredentials.push(canary);
    const run = await runPipeline(
      `
def status = withAssumedRole(role: 'DeployMaster', account: '${ACCOUNT_A}', sessionName: 'hotfix', returnStatus: true,
    command: 'aws sts get-caller-identity --query Arn --output text; echo "key=$AWS_SECRET_ACCESS_KEY"; exit 3')
echo "status=\${status}"
`,
      agentEnv(),
    );
    expect(run.exitCode).toBe(0);
    expect(run.console).toContain(role('hotfix'));
    expect(run.console).toContain('key=****');
    expect(run.console).toContain('status=3');
    for (const secret of [canary.accessKeyId, canary.secretAccessKey, canary.sessionToken]) expect(run.console).not.toContain(secret);
    expect(stepFolders(run.workspace)).toEqual([]);
  });

  it('command form: a failing command fails the step with the exit code in the message', async () => {
    const failing = await runPipeline(`withAssumedRole(${ROLE}, command: 'exit 5')\necho 'not reached'`, agentEnv());
    expect(failing.exitCode).toBe(1);
    expect(failing.console).toContain('ERROR: withAssumedRole: exit code 5: the command failed (see the log above)');
    expect(failing.console).not.toContain('not reached');
    world.server.faults = { refuse: 'AccessDenied' };
    const refused = await runPipeline(`withAssumedRole(${ROLE}, command: 'true')`, agentEnv());
    expect(refused.console).toContain('AccessDenied');
    expect(refused.console).toContain('ERROR: withAssumedRole: exit code 77: STS refused the credentials or the role');
  });

  it('node: runs the shipped CLI with the node binary named; a missing one is said in one line with the fixes', async () => {
    // Only the node named is there: every node binary the agent would find is hidden (a link to one stays usable).
    const bin = mkdtempSync(join(tmpdir(), 'war-node-'));
    try {
      linkSync(process.execPath, join(bin, 'only-node'));
    } catch {
      copyFileSync(process.execPath, join(bin, 'only-node'));
    }
    const run = await runPipeline(`withAssumedRole(${ROLE}, node: '${join(bin, 'only-node')}') { ${IDENTITY} }`, agentEnv(), {
      pipelineEnv: buildVariables(),
      agentHide: nodeBinaries(),
    });
    expect(run.exitCode, run.console).toBe(0);
    expect(run.console).toContain(role('team-app-main-jenkins-42'));
    const missing = await runPipeline(`withAssumedRole(${ROLE}, node: '/opt/none/node') { ${IDENTITY} }`, agentEnv());
    expect(missing.exitCode).toBe(1);
    expect(missing.console).toContain(
      "withAssumedRole: /opt/none/node: not found where the step runs; it runs its CLI with Node.js 22 or newer\n  fix: pass node: 'auto'",
    );
    expect(missing.console).toContain('ERROR: withAssumedRole: exit code 69: no usable Node.js or CLI where the step runs');
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
  });

  it('cli: uses an installed CLI instead of the shipped one', async () => {
    const run = await runPipeline(
      `withAssumedRole(${ROLE}, cli: '${join(ROOT, 'bin/with-assumed-role.cjs')}', command: 'aws sts get-caller-identity --query Arn --output text')`,
      agentEnv(),
    );
    expect(run.exitCode).toBe(0);
    expect(run.console).toContain(role('team-app-main-jenkins-42'));
  });

  it('prints the line that reproduces the stage on a laptop; run there, it sees the same settings as the local user', async () => {
    const command = 'echo "bucket=$DEPLOY_BUCKET region=$AWS_REGION"; aws sts get-caller-identity --query Arn --output text';
    const run = await runPipeline(
      `
writeFile file: 'ci/dev.env', text: 'WITH_ASSUMED_ROLE_ENVIRONMENT=dev\\nDEPLOY_BUCKET=project-dev-artifacts\\n'
withAssumedRole(${ROLE}, region: 'eu-west-1', envFile: 'ci/dev.env', command: ${groovy(command)})
`,
      agentEnv(),
    );
    expect(run.exitCode, run.console).toBe(0);
    expect(run.console).toContain('bucket=project-dev-artifacts region=eu-west-1');
    expect(arnsIn(run.console)).toEqual([role('team-app-main-dev-jenkins-42')]);
    const line = /^withAssumedRole[ \d.]*: reproduce locally: (withAssumedRole .*)$/m.exec(run.console)?.[1] as string;
    expect(line).toBe(
      `withAssumedRole --role-arn ${DEPLOY_ROLE_ARN} --region eu-west-1 --env-file ci/dev.env --project 'team/app main' -- /bin/sh -c '${command}'  ${REPRODUCTION_NOTE}`,
    );
    // On the laptop: no Jenkins variables, a profile as the source, withAssumedRole on PATH.
    const keys = world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/alice`);
    const bin = mkdtempSync(join(tmpdir(), 'war-bin-'));
    symlinkSync(join(ROOT, 'bin/with-assumed-role.cjs'), join(bin, 'withAssumedRole'));
    const laptop = cleanEnv({ PATH: `${bin}:${process.env.PATH}`, AWS_ENDPOINT_URL_STS: world.server.url, AWS_PROFILE: 'laptop' });
    writeFileSync(
      laptop.AWS_CONFIG_FILE as string,
      `[profile laptop]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
    );
    const local = await execa('sh', ['-c', line], { cwd: run.workspace, env: laptop, extendEnv: false, reject: false });
    expect(local.exitCode, local.stderr).toBe(0);
    expect(local.stdout).toBe(`bucket=project-dev-artifacts region=eu-west-1\n${role('team-app-main-dev-local-alice')}`);
    expect(world.server.assumeRoleCalls().map((call) => call.accessKeyId)).toEqual([
      `${world.server.assumeRoleCalls()[0]?.accessKeyId}`,
      keys.accessKeyId,
    ]);
  });

  it('audit parameters: tags (map), lists, jenkinsTags, sourceIdentity, policy reach AssumeRole exactly, in both forms and on refresh', async () => {
    const branch = `feature/${'b'.repeat(290)}-42`;
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const run = await runPipeline(
      `
def audit = [tags: ['team': 'payments', 'cost center': '42'], transitiveTags: ['team'], jenkinsTags: true,
             sourceIdentity: 'jenkins-team-app', allowedAccounts: ['${ACCOUNT_B}', '${ACCOUNT_A}'],
             policy: ${groovy(policy)}, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess']]
withAssumedRole(audit + [${ROLE}, command: 'aws sts get-caller-identity --query Arn --output text'])
withAssumedRole(audit + [${ROLE}]) {
  sh '${fixture('until-served.sh')} 2 sdk'
}
`,
      agentEnv(),
      { pipelineEnv: buildVariables({ JOB_NAME: 'team/app main #3', BUILD_NUMBER: '3', BRANCH_NAME: branch, NODE_NAME: 'linux-7' }) },
    );
    expect(run.exitCode).toBe(0);
    expect(run.console).toMatch(/^done after \d+ rounds$/m);
    // The command form's, the block's first, and at least one background refresh: every one with the same attributes.
    const calls = world.server.assumeRoleCalls();
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) {
      expect(call.outcome).toBe('OK');
      expect(sessionRequestOf(call.params)).toEqual({
        tags: [
          { key: 'team', value: 'payments' },
          { key: 'cost center', value: '42' },
          { key: 'jenkins:job', value: 'team/app main -3' },
          { key: 'jenkins:build', value: '3' },
          { key: 'jenkins:branch', value: branch.slice(-256) },
          { key: 'jenkins:url', value: 'ci.example.com' },
          { key: 'jenkins:node', value: 'linux-7' },
        ],
        transitiveTagKeys: ['team'],
        sourceIdentity: 'jenkins-team-app',
        policy,
        policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      });
    }
  });

  it('audit parameters are data: a tag value cannot add a tag, and a block that cannot carry them stops', async () => {
    const injected = await runPipeline(`withAssumedRole(${ROLE}, tags: ['team': 'a,admin=true'], command: 'true')`, agentEnv());
    expect(injected.exitCode).toBe(1);
    expect(injected.console).toContain('withAssumedRole: tags team: not a valid tag value');
    const sourceMode = await runPipeline(
      `withAssumedRole(${ROLE}, credentials: 'source', tags: ['team': 'payments']) { sh 'true' }`,
      agentEnv(),
    );
    expect(sourceMode.exitCode).toBe(1);
    expect(sourceMode.console).toContain("from an AWS profile (credentials: 'source'), which cannot ask for those");
    expect(world.server.assumeRoleCalls()).toEqual([]);
  });

  it("says what an exit code means as the CLI does: the Groovy's table is the CLI's, and the step's help names every parameter", () => {
    const groovySource = readFileSync(join(ROOT, 'jenkins/vars/withAssumedRole.groovy'), 'utf8');
    const table = /Map<Integer, String> meanings = \[([\s\S]*?)\]/.exec(groovySource)?.[1] ?? '';
    const fromGroovy = Object.fromEntries([...table.matchAll(/(\d+): '([^']*)'/g)].map(([, code, meaning]) => [Number(code), meaning]));
    expect(fromGroovy).toEqual(STEP_EXIT_MEANINGS);
    const help = readFileSync(join(ROOT, 'jenkins/vars/withAssumedRole.txt'), 'utf8');
    const page = readFileSync(join(ROOT, 'docs/jenkins.md'), 'utf8');
    const documented = page.slice(page.indexOf('## Parameters'), page.indexOf('## On which agents'));
    for (const parameter of [...Object.values(STEP_PARAMETERS), ...STEP_ONLY]) {
      expect(help, parameter).toContain(parameter);
      expect(documented, `docs/jenkins.md#parameters: ${parameter}`).toContain(`\`${parameter}\``);
    }
  });

  it('ships the bundle npm run build makes: the committed one is current', () => {
    const committed = join(ROOT, 'jenkins/resources/with-assumed-role/with-assumed-role.cjs');
    expect(existsSync(committed)).toBe(true);
    expect(readFileSync(committed).equals(readFileSync(CLI))).toBe(true);
  });
});

/** The background refresh of a block is gone once the block ended: waits for that event, bounded. */
async function expectNoBroker(workspace: string): Promise<void> {
  const running = () =>
    readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .some((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${workspace}@tmp/with-assumed-role.`);
        } catch {
          return false;
        }
      });
  for (let waited = 0; running(); waited += 50) {
    if (waited > 10_000) throw new Error('the background refresh is still running after the block');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Every kind of agent, in every mode, with every SDK: test/jenkins/sdk-matrix.test.ts.

describeWithGroovy('the step on a moto agent', () => {
  describeWithMoto('instance profile in account B, DeployMaster in account A', (moto) => {
    it("block form: the AWS CLI in the body sees account A's instances", async () => {
      const env = cleanEnv({
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: moto().url,
        AWS_ENDPOINT_URL: moto().url,
      });
      const run = await runPipeline(
        `
withAssumedRole(${ROLE}, project: 'project', environment: 'dev', region: 'us-east-1') {
  sh 'aws ec2 describe-instances --query "length(Reservations[].Instances[])" --output text'
}
`,
        env,
        { pipelineEnv: buildVariables({ JOB_NAME: 'deploy', BUILD_NUMBER: '7' }) },
      );
      expect(run.exitCode).toBe(0);
      expect(run.console).toMatch(new RegExp(`\\n${moto().instances[ACCOUNT_A]?.['us-east-1']}\\n`));
    });
  });
});

describeWithGroovy('the step with oidcCredentialsId: keyless, the token for the CLI alone', () => {
  const issuer = createTestIssuer('https://ci.example.com/oidc', 'https://ci.example.com/job/team/job/app/');
  const trust = () =>
    world.server.trustOidc({ issuer: issuer.issuer, publicKey: issuer.publicKey, clientIds: ['sts.amazonaws.com'] }, DEPLOY_ROLE_ARN, [
      'https://ci.example.com/job/team/job/app/',
    ]);
  /** An agent without keys or profile: instance metadata records, so a source lookup would show. */
  const keylessAgent = (extra: Env = {}) => agentEnv({ AWS_EC2_METADATA_DISABLED: undefined, ...extra });
  /** The EKS pod's own web identity, which botocore would use before any profile: a token STS does not know. */
  const irsaAgent = () => {
    const podToken = join(mkdtempSync(join(tmpdir(), 'war-irsa-')), 'token');
    writeFileSync(podToken, 'irsa-pod-token-unknown-to-sts');
    return keylessAgent({ AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT_B}:role/JenkinsPod`, AWS_WEB_IDENTITY_TOKEN_FILE: podToken });
  };
  const KINDS = {
    'id token (secret text)': (token: string) => ({ type: 'string' as const, secret: token }),
    'id token as file': (token: string) => ({ type: 'file' as const, content: token, fileName: 'id_token' }),
  };

  for (const [kind, credential] of Object.entries(KINDS)) {
    for (const [agentName, agent] of [
      ['a plain agent', () => keylessAgent()],
      ['an EKS agent with IRSA variables', irsaAgent],
    ] as const) {
      it(`${kind}, on ${agentName}: both forms act as the role; the token reaches neither the body nor the log`, async () => {
        trust();
        const token = issuer.mint();
        const clients = availableClients();
        const run = await runPipeline(
          `
withAssumedRole(${ROLE}, oidcCredentialsId: 'aws-oidc', sessionName: 'keyless') {
  sh '${identitiesCommand(clients)}'
  sh 'env | sort'
}
withAssumedRole(${ROLE}, oidcCredentialsId: 'aws-oidc', sessionName: 'keyless', command: 'aws sts get-caller-identity --query Arn --output text; env | sort')
`,
          agent(),
          { pipelineEnv: buildVariables(), credentials: { 'aws-oidc': credential(token) } },
        );
        expect(run.exitCode, run.console).toBe(0);
        const seen = identitiesIn(run.console);
        for (const client of clients) expect(seen[client], client).toEqual([role('keyless')]);
        expect(run.console).toContain(`\n${role('keyless')}\n`);
        expect(run.console).not.toContain(token);
        expect(run.console).not.toContain('WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE');
        expect(run.console).not.toContain('irsa-pod-token');
        expect(world.server.imdsCalls).toEqual([]);
        expect(world.server.assumeRoleCalls()).toEqual([]);
        const calls = world.server.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity');
        expect(calls.length).toBeGreaterThanOrEqual(2);
        expect(calls.every((call) => call.outcome === 'OK' && call.params.WebIdentityToken === token && call.signed === false)).toBe(true);
        expect(stepFolders(run.workspace)).toEqual([]);
      });
    }
  }

  it('credentials that are no id token: the step says so, having tried them as text and as a file', async () => {
    const notToken = await runPipeline(`withAssumedRole(${ROLE}, oidcCredentialsId: 'keys', command: 'true')`, keylessAgent(), {
      pipelineEnv: buildVariables(),
      credentials: { keys: { type: 'aws', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } },
    });
    expect(notToken.exitCode).toBe(1);
    expect(notToken.console).toContain("ERROR: withAssumedRole: oidcCredentialsId 'keys': not usable as an id token");
  });

  it("credentials: 'source' with oidcCredentialsId: the CLI says there are no source credentials, before assuming anything", async () => {
    trust();
    const source = await runPipeline(
      `withAssumedRole(${ROLE}, oidcCredentialsId: 'aws-oidc', credentials: 'source') { sh 'echo body-ran' }`,
      keylessAgent(),
      {
        pipelineEnv: buildVariables(),
        credentials: { 'aws-oidc': KINDS['id token (secret text)'](issuer.mint()) },
      },
    );
    expect(source.exitCode).toBe(1);
    expect(source.console).toContain("withAssumedRole: credentials: 'source' with oidcCredentialsId: there are no source credentials");
    expect(source.console).not.toContain('body-ran');
    expect(world.server.calls).toEqual([]);
  });

  it('an abort inside the id token binding is an abort, never taken for credentials of the other kind', async () => {
    trust();
    const run = await runPipeline(
      `withAssumedRole(${ROLE}, oidcCredentialsId: 'aws-oidc', command: 'echo abort-the-build-now; exec sleep 600')`,
      keylessAgent(),
      {
        pipelineEnv: buildVariables(),
        credentials: { 'aws-oidc': KINDS['id token (secret text)'](issuer.mint()) },
        abortOn: 'abort-the-build-now',
      },
    );
    expect(run.exitCode).toBe(1);
    expect(run.console).toContain('Finished: ABORTED');
    expect(run.console).not.toContain('not usable as an id token');
  });
});
