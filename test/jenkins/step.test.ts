// The withAssumedRole pipeline step on Groovy 2.4, with real sh -xe steps, the
// AWS CLI in the body, and the loopback STS (and moto) as AWS.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, cleanEnv, type Env, isolatedHome, ROOT } from '../support/cli.ts';
import { describeWithGroovy, runPipeline } from '../support/jenkins-harness.ts';
import { describeWithMoto } from '../support/moto.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = `roleArn: '${DEPLOY_ROLE_ARN}'`;
const IDENTITY = "sh 'aws sts get-caller-identity --query Arn --output text'";

/** A Jenkins agent on EC2: instance profile AssumeRoleInA in account B, Jenkins' build variables. */
function agentEnv(extra: Env = {}): Env {
  return world.instanceProfileEnv({
    AWS_DEFAULT_REGION: 'us-east-1',
    JENKINS_URL: 'https://ci.example.com/',
    JOB_NAME: 'team/app main',
    BUILD_NUMBER: '42',
    BUILD_ID: '42',
    ...extra,
  });
}

const stepFolders = (workspace: string) => readdirSync(`${workspace}@tmp`).filter((name) => name.startsWith('with-assumed-role.'));

describeWithGroovy('the withAssumedRole step', () => {
  it('block form: the body acts as the role through one AssumeRole; afterwards nothing of it remains', async () => {
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
    const arns = run.console.split('\n').filter((line) => line.startsWith('arn:'));
    expect(arns).toEqual([
      `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/team-app-main-prod-jenkins-42`,
      `arn:aws:sts::${ACCOUNT_B}:assumed-role/AssumeRoleInA/i-0123456789abcdef0`,
    ]);
    expect(run.console.split('\n').filter((line) => line === ACCOUNT_A)).toHaveLength(4);
    expect(run.console).toContain('region=eu-west-1 profile=with-assumed-role keys=[]');
    expect(run.console).toContain(`after: profile=[] config=[${env.AWS_CONFIG_FILE}] region=[]`);
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
    expect(stepFolders(run.workspace)).toEqual([]);
    for (const secret of [canary.accessKeyId, canary.secretAccessKey, canary.sessionToken]) expect(run.console).not.toContain(secret);
  });

  it('block form under withCredentials: the keys are the source, hidden from the body, back after it', async () => {
    const keys = world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/ci-keys`);
    const run = await runPipeline(
      `
withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: 'jenkins-keys']]) {
  withAssumedRole(${ROLE}, project: 'project', environment: 'dev') {
    ${IDENTITY}
  }
  ${IDENTITY}
}
`,
      agentEnv({ AWS_EC2_METADATA_DISABLED: 'true', HARNESS_CREDENTIALS_JENKINS_KEYS: `${keys.accessKeyId}:${keys.secretAccessKey}` }),
    );
    expect(run.exitCode).toBe(0);
    const arns = run.console.split('\n').filter((line) => line.startsWith('arn:'));
    expect(arns).toEqual([
      `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/project-dev-jenkins-42`,
      `arn:aws:iam::${ACCOUNT_B}:user/ci-keys`,
    ]);
    expect(world.server.assumeRoleCalls().map((call) => call.accessKeyId)).toEqual([keys.accessKeyId]);
    expect(run.console).not.toContain(keys.secretAccessKey);
  });

  it('block form with profile: the named profile is the source, inside and on refresh', async () => {
    const keys = world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/ci-profile`);
    const env = agentEnv({ AWS_EC2_METADATA_DISABLED: 'true' });
    writeFileSync(
      env.AWS_CONFIG_FILE as string,
      `[profile deployer]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`,
    );
    world.server.lifetimeSeconds = 2;
    const run = await runPipeline(
      `
withAssumedRole(${ROLE}, profile: 'deployer', sessionName: 'from-profile') {
  ${IDENTITY}
  sh 'sleep 1.5'
  ${IDENTITY}
}
`,
      env,
    );
    expect(run.exitCode).toBe(0);
    expect(run.console.split('\n').filter((line) => line.startsWith('arn:'))).toEqual(
      Array(2).fill(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/from-profile`),
    );
    expect(world.server.assumeRoleCalls().map((call) => call.accessKeyId)).toEqual([keys.accessKeyId, keys.accessKeyId]);
  });

  it('block form outlives the session: credential_process refreshes with the recorded source', async () => {
    const keys = world.server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/ci-keys-refresh`);
    world.server.lifetimeSeconds = 3;
    const run = await runPipeline(
      `
withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: 'jenkins-keys']]) {
  withAssumedRole(${ROLE}, sessionName: 'long-stage') {
    ${IDENTITY}
    sh 'sleep 3.5'
    ${IDENTITY}
  }
}
`,
      agentEnv({ AWS_EC2_METADATA_DISABLED: 'true', HARNESS_CREDENTIALS_JENKINS_KEYS: `${keys.accessKeyId}:${keys.secretAccessKey}` }),
    );
    expect(run.exitCode).toBe(0);
    const arns = run.console.split('\n').filter((line) => line.startsWith('arn:'));
    expect(arns).toEqual(Array(2).fill(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/long-stage`));
    const calls = world.server.assumeRoleCalls();
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.accessKeyId)).toEqual([keys.accessKeyId, keys.accessKeyId]);
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
    expect(run.console).toContain(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/hotfix`);
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

  it('parameter values never run as shell, and unknown parameters are errors', async () => {
    const marker = join(isolatedHome(), 'pwned');
    const injections = [`$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `"; touch ${marker}; "`, `\${env.PATH}`];
    for (const value of injections) {
      const quoted = value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('$', '\\$');
      const run = await runPipeline(
        `
withAssumedRole(${ROLE}, project: '${quoted}', environment: '${quoted}', externalId: 'ok-id') { ${IDENTITY} }
withAssumedRole(${ROLE}, sessionName: '${quoted}', command: 'true', returnStatus: true)
`,
        agentEnv(),
      );
      expect(run.exitCode).toBe(0);
      expect(existsSync(marker)).toBe(false);
    }
    const sessions = world.server.assumeRoleCalls().map((call) => call.params.RoleSessionName);
    expect(sessions).toHaveLength(injections.length);
    for (const name of sessions) expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    const unknown = await runPipeline(`withAssumedRole(${ROLE}, rolearn: 'x') { echo 'no' }`, agentEnv());
    expect(unknown.exitCode).toBe(1);
    expect(unknown.console).toContain("ERROR: withAssumedRole: unknown parameter 'rolearn'; allowed: roleArn, role, account");
    const both = await runPipeline(`withAssumedRole(${ROLE}, command: 'true') { echo 'no' }`, agentEnv());
    expect(both.console).toContain('ERROR: withAssumedRole: give a block or command:, not both');
  });

  it('node: runs the shipped CLI with the node binary named', async () => {
    const run = await runPipeline(`withAssumedRole(${ROLE}, node: '${process.execPath}') { ${IDENTITY} }`, agentEnv());
    expect(run.exitCode).toBe(0);
    expect(run.console).toContain(`+ ${process.execPath} -- `);
    expect(run.console).toContain(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/team-app-main-jenkins-42`);
  });

  it('cli: uses an installed CLI instead of the shipped one', async () => {
    const run = await runPipeline(
      `withAssumedRole(${ROLE}, cli: '${join(ROOT, 'bin/with-assumed-role.cjs')}', command: 'aws sts get-caller-identity --query Arn --output text')`,
      agentEnv(),
    );
    expect(run.exitCode).toBe(0);
    expect(run.console).toContain(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/team-app-main-jenkins-42`);
    expect(run.console).not.toContain('with-assumed-role.cjs print');
  });

  it('ships the bundle npm run build makes: the committed one is current', () => {
    const committed = join(ROOT, 'jenkins/resources/with-assumed-role/with-assumed-role.cjs');
    expect(existsSync(committed)).toBe(true);
    expect(readFileSync(committed).equals(readFileSync(CLI))).toBe(true);
  });
});

describeWithGroovy('the step on a moto agent', () => {
  describeWithMoto('instance profile in account B, DeployMaster in account A', (moto) => {
    it("block form: the AWS CLI in the body sees account A's instances", async () => {
      const env = cleanEnv({
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: moto().url,
        AWS_ENDPOINT_URL: moto().url,
        JENKINS_URL: 'https://ci.example.com/',
        JOB_NAME: 'deploy',
        BUILD_NUMBER: '7',
      });
      const run = await runPipeline(
        `
withAssumedRole(${ROLE}, project: 'project', environment: 'dev', region: 'us-east-1') {
  sh 'aws ec2 describe-instances --query "length(Reservations[].Instances[])" --output text'
}
`,
        env,
      );
      expect(run.exitCode).toBe(0);
      expect(run.console).toMatch(new RegExp(`\\n${moto().instances[ACCOUNT_A]?.['us-east-1']}\\n`));
    });
  });
});
