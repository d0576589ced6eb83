// Audit and guard rails: session tags (given, and from Jenkins' variables), source
// identity, session policies and allowed accounts, from the built binary. The
// loopback STS records exactly what each AssumeRole asked for, and checks it as STS does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, isolatedHome, runCli } from '../support/cli.ts';
import { describeWithMoto } from '../support/moto.ts';
import { PACKED_LIMIT, type SessionRequest, sessionRequestOf } from '../support/sts-server.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, SOURCE_USER_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'audit-test'];
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::deploy-bucket/*' }],
};
const COMPACT_POLICY = JSON.stringify(POLICY);
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** What the last AssumeRole asked for besides the role. */
function lastSession(): SessionRequest {
  const calls = world.server.assumeRoleCalls();
  expect(calls.at(-1)?.outcome).toBe('OK');
  return sessionRequestOf(calls.at(-1)?.params ?? {});
}

const EXPECTED: SessionRequest = {
  tags: [
    { key: 'team', value: 'payments' },
    { key: 'cost center', value: '42' },
  ],
  transitiveTagKeys: ['team'],
  sourceIdentity: 'alice@example.com',
  policy: COMPACT_POLICY,
  policyArns: [READ_ONLY],
};

describe('what AssumeRole is sent', () => {
  it('from flags: the tags, transitive keys, source identity and policies, exactly; the policy file compacted', async () => {
    const policyFile = join(isolatedHome(), 'policy.json');
    writeFileSync(policyFile, JSON.stringify(POLICY, null, 2));
    const flags = [
      '--tag',
      'team=payments',
      '--tag',
      'cost center=42',
      '--transitive-tag',
      'team',
      '--source-identity',
      'alice@example.com',
    ];
    const result = await runCli([...ROLE, ...flags, '--policy', policyFile, '--policy-arn', READ_ONLY, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(0);
    expect(lastSession()).toEqual(EXPECTED);
  });

  it('from variables and from an env file (one per line there): the same request', async () => {
    const variables = {
      WITH_ASSUMED_ROLE_TAG: 'team=payments,cost center=42',
      WITH_ASSUMED_ROLE_TRANSITIVE_TAG: 'team',
      WITH_ASSUMED_ROLE_SOURCE_IDENTITY: 'alice@example.com',
      WITH_ASSUMED_ROLE_POLICY: COMPACT_POLICY,
      WITH_ASSUMED_ROLE_POLICY_ARN: READ_ONLY,
    };
    const fromVariables = await runCli([...ROLE, '--', 'true'], { env: world.env(variables) });
    expect(fromVariables.exitCode).toBe(0);
    expect(lastSession()).toEqual(EXPECTED);

    const file = join(isolatedHome(), 'audit.env');
    writeFileSync(
      file,
      [
        'WITH_ASSUMED_ROLE_TAG="team=payments\\ncost center=42"',
        'WITH_ASSUMED_ROLE_TRANSITIVE_TAG=team',
        'WITH_ASSUMED_ROLE_SOURCE_IDENTITY=alice@example.com',
        `WITH_ASSUMED_ROLE_POLICY='${COMPACT_POLICY}'`,
        `WITH_ASSUMED_ROLE_POLICY_ARN=${READ_ONLY}`,
        '',
      ].join('\n'),
    );
    const fromFile = await runCli([...ROLE, '--env-file', file, '--', 'true'], { env: world.env() });
    expect(fromFile.exitCode).toBe(0);
    expect(lastSession()).toEqual(EXPECTED);
  });

  it("--jenkins-tags: the build's variables, cleaned to STS's alphabet, the branch's tail kept; --tag wins", async () => {
    const branch = `feature/${'x'.repeat(280)}-JIRA-1234 #fix`;
    const env = world.env({
      JENKINS_URL: 'https://ci.example.com:8443/jenkins/',
      JOB_NAME: 'team/app main #3',
      BUILD_NUMBER: '3',
      BRANCH_NAME: branch,
      GIT_COMMIT: '9e3779b97f4a7c15f39cc0605cedc8341082276b',
      NODE_NAME: 'agent (linux) 7',
    });
    const result = await runCli([...ROLE, '--jenkins-tags', '--tag', 'jenkins:build=release-3', '--', 'true'], { env });
    expect(result.exitCode).toBe(0);
    const cleanedBranch = `${branch.replace('#', '-')}`.slice(-256);
    expect(lastSession().tags).toEqual([
      { key: 'jenkins:build', value: 'release-3' },
      { key: 'jenkins:job', value: 'team/app main -3' },
      { key: 'jenkins:branch', value: cleanedBranch },
      { key: 'jenkins:commit', value: '9e3779b97f4a7c15f39cc0605cedc8341082276b' },
      { key: 'jenkins:url', value: 'ci.example.com:8443' },
      { key: 'jenkins:node', value: 'agent -linux- 7' },
    ]);
    expect(cleanedBranch).toHaveLength(256);
    expect(cleanedBranch.endsWith('-JIRA-1234 -fix')).toBe(true);
  });

  it('60 candidate tags: 50 given are all sent, the derived ones that do not fit are named, not sent', async () => {
    const given = Array.from({ length: 50 }, (_, index) => ['--tag', `k${index}=v${index}`]).flat();
    const env = world.env({ JENKINS_URL: 'https://ci.example.com/', JOB_NAME: 'app', BUILD_NUMBER: '7' });
    const result = await runCli([...ROLE, ...given, '--jenkins-tags', '--', 'true'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(
      'withAssumedRole: --jenkins-tags: jenkins:job, jenkins:build, jenkins:url left out: with the given tags, that would be over the 50 STS takes\n',
    );
    expect(lastSession().tags).toHaveLength(50);
    const fewer = await runCli([...ROLE, ...given.slice(0, 96), '--jenkins-tags', '--', 'true'], { env });
    expect(fewer.exitCode).toBe(0);
    expect(lastSession().tags.slice(-3)).toEqual([
      { key: 'k47', value: 'v47' },
      { key: 'jenkins:job', value: 'app' },
      { key: 'jenkins:build', value: '7' },
    ]);
    expect(fewer.stderr).toContain('--jenkins-tags: jenkins:url left out');
  });

  it('nothing asked, nothing sent: no tag, source identity or policy parameter at all', async () => {
    const result = await runCli([...ROLE, '--', 'true'], { env: world.env({ JOB_NAME: 'app', BUILD_NUMBER: '1' }) });
    expect(result.exitCode).toBe(0);
    const params = world.server.assumeRoleCalls()[0]?.params ?? {};
    expect(Object.keys(params).filter((name) => /Tag|Source|Polic/.test(name))).toEqual([]);
  });

  it('--dry-run shows what would be sent', async () => {
    const result = await runCli(
      [
        ...ROLE,
        '--tag',
        'team=payments',
        '--transitive-tag',
        'team',
        '--source-identity',
        'alice',
        '--policy',
        COMPACT_POLICY,
        '--policy-arn',
        READ_ONLY,
      ].concat(['--allowed-account', `${ACCOUNT_A},${ACCOUNT_B}`, '--dry-run', '--', 'true']),
      { env: world.env() },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('  session tags       team=payments (transitive)\n');
    expect(result.stdout).toContain('  source identity    alice\n');
    expect(result.stdout).toContain(`  session policy     ${COMPACT_POLICY}\n`);
    expect(result.stdout).toContain(`  managed policies   ${READ_ONLY}\n`);
    expect(result.stdout).toContain(`  allowed accounts   ${ACCOUNT_A}, ${ACCOUNT_B} (the role's is one)\n`);
    expect(result.stdout).toContain("tags: ['team': 'payments'], transitiveTags: 'team', sourceIdentity: 'alice'");
    expect(world.server.calls).toEqual([]);
  });
});

describe('allowed accounts', () => {
  it('a role in another account: refused before any STS call, 78', async () => {
    const result = await runCli([...ROLE, '--allowed-account', `${ACCOUNT_B},111111111111`, '--', 'touch', 'ran'], {
      env: world.env(),
    });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toBe(
      `withAssumedRole: ${DEPLOY_ROLE_ARN}: account ${ACCOUNT_A} is not an allowed account (${ACCOUNT_B}, 111111111111); STS not called\n` +
        '  fix: check --role-arn (or --account); if this account is meant, add it with --allowed-account\n',
    );
    expect(world.server.calls).toEqual([]);
  });

  it('an STS answering for another account: the credentials discarded, the command never run, 78', async () => {
    world.server.faults = { answerAccount: '999999999999' };
    const home = isolatedHome();
    const result = await runCli([...ROLE, '--allowed-account', ACCOUNT_A, '--', 'touch', join(home, 'ran')], { env: world.env() });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain(
      `withAssumedRole: STS answered for arn:aws:sts::999999999999:assumed-role/DeployMaster/audit-test, in account 999999999999, not an allowed account (${ACCOUNT_A}); credentials discarded\n`,
    );
    expect(world.server.assumeRoleCalls()).toHaveLength(1);
    const printed = await runCli(['print', ...ROLE, '--allowed-account', ACCOUNT_A], { env: world.env() });
    expect(printed.exitCode).toBe(78);
    expect(printed.stdout).toBe('');
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(home, 'ran'))).toBe(false);
  });

  it('the role in an allowed account: assumed, and checked again on the answer', async () => {
    const result = await runCli([...ROLE, '--allowed-account', `${ACCOUNT_B}, ${ACCOUNT_A}`, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(0);
  });
});

describe('refusals explained', () => {
  it('a trust policy without sts:TagSession: 77, the cause and the statement to add', async () => {
    world.server.addRole(DEPLOY_ROLE_ARN, { denyTagSession: true });
    try {
      const result = await runCli([...ROLE, '--tag', 'team=payments', '--', 'true'], { env: world.env() });
      expect(result.exitCode).toBe(77);
      expect(result.stderr).toContain(
        `withAssumedRole: ${DEPLOY_ROLE_ARN}: AccessDenied: ${SOURCE_USER_ARN} may not tag its session (--tag, --jenkins-tags): sts:TagSession is not allowed\n`,
      );
      expect(result.stderr).toContain('must allow sts:TagSession too; its statement becomes:');
      expect(result.stderr).toMatch(/"Action": \[\n\s+"sts:AssumeRole",\n\s+"sts:TagSession"\n\s+\]/);
      expect(result.stderr).toContain(
        `  fix: withAssumedRole policies --target-account ${ACCOUNT_A} --source-account ${ACCOUNT_B} --role DeployMaster --with-tags prints both documents; or drop the tags\n`,
      );
      noStackTrace(result.stderr);
    } finally {
      world.server.addRole(DEPLOY_ROLE_ARN, {});
    }
  });

  it('a trust policy without sts:SetSourceIdentity: 77, naming it', async () => {
    world.server.addRole(DEPLOY_ROLE_ARN, { denySetSourceIdentity: true });
    try {
      const result = await runCli([...ROLE, '--source-identity', 'alice', '--', 'true'], { env: world.env() });
      expect(result.exitCode).toBe(77);
      expect(result.stderr).toContain('may not set a source identity (--source-identity): sts:SetSourceIdentity is not allowed\n');
      expect(result.stderr).toContain('--with-source-identity prints both documents; or drop --source-identity\n');
    } finally {
      world.server.addRole(DEPLOY_ROLE_ARN, {});
    }
  });

  it('PackedPolicyTooLarge: 78, with what takes the space', async () => {
    const tags = Array.from({ length: 20 }, (_, index) => ['--tag', `key${index}=${'v'.repeat(200)}`]).flat();
    const total = 20 * (5 + 200) + 10;
    expect(total).toBeGreaterThan(PACKED_LIMIT);
    const result = await runCli([...ROLE, ...tags, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain(
      `withAssumedRole: ${DEPLOY_ROLE_ARN}: the session's tags and policies are too large for STS (PackedPolicyTooLarge)\n`,
    );
    expect(result.stderr).toContain('asked for: 20 tags (4090 characters), an inline policy of 0 characters, 0 managed policies\n');
    expect(result.stderr).toContain('  fix: trim the larger of them');
  });
});

describe('invalid input: one line, an exit code, a fix; STS not called', () => {
  it.each([
    [['--tag', 'team'], 64, '--tag "team": not KEY=VALUE'],
    [['--tag', 'aws:team=x'], 64, '--tag "aws:team": tag keys starting with aws: are AWS\'s own'],
    [['--tag', 'team=a,b'], 64, '--tag team: not a valid tag value; STS takes 0-256 letters, digits, spaces and _.:/=+-@'],
    [['--tag', 'team=a', '--tag', 'TEAM=b'], 64, '--tag TEAM: given twice (tag keys are case-insensitive)'],
    [Array.from({ length: 51 }, (_, index) => ['--tag', `k${index}=v`]).flat(), 64, '--tag: 51 session tags; STS takes at most 50'],
    [['--transitive-tag', 'team'], 64, "--transitive-tag team: not one of this session's tags (none)"],
    [['--source-identity', 'alice smith'], 64, '--source-identity "alice smith": not a valid source identity'],
    [['--policy', '{"Version": "2012-10-17",'], 64, '--policy (inline JSON): not JSON'],
    [['--policy', '{"Version": "2012-10-17"}'], 64, '--policy (inline JSON): not an IAM policy document, no Statement'],
    [['--policy', '/nonexistent/policy.json'], 78, '--policy /nonexistent/policy.json: cannot read the session policy (ENOENT)'],
    [['--policy-arn', 'arn:aws:s3:::bucket'], 64, '--policy-arn "arn:aws:s3:::bucket": not an IAM policy ARN'],
    [Array.from({ length: 11 }, () => ['--policy-arn', READ_ONLY]).flat(), 64, '--policy-arn: 11 managed policies; STS takes at most 10'],
    [['--allowed-account', '5211'], 64, '--allowed-account "5211": not an AWS account ID'],
  ])('%j: exit %d', async (flags, exitCode, message) => {
    const result = await runCli([...ROLE, ...flags, '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(exitCode);
    expect(result.stderr).toContain(`withAssumedRole: ${message}`);
    expect(result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('  fix: '))).toHaveLength(1);
    expect(world.server.calls).toEqual([]);
  });

  it('a policy over 2048 characters once compacted: 64, naming the size', async () => {
    const big = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: Array.from({ length: 100 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }],
    };
    const result = await runCli([...ROLE, '--policy', JSON.stringify(big), '--', 'true'], { env: world.env() });
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toMatch(/--policy \(inline JSON\): \d{4} characters, over STS's 2048 for a session policy\n/);
  });
});

describe('policies --with-tags, --with-source-identity', () => {
  it('the trust and the permission policy allow sts:TagSession and sts:SetSourceIdentity beside sts:AssumeRole', async () => {
    const base = ['policies', '--target-account', ACCOUNT_A, '--source-account', ACCOUNT_B, '--role', 'DeployMaster'];
    const plain = JSON.parse((await runCli(base, { env: cleanEnv() })).stdout);
    expect(plain.targetRoleTrustPolicy.document.Statement[0].Action).toBe('sts:AssumeRole');
    const result = await runCli([...base, '--with-tags', '--with-source-identity'], { env: cleanEnv() });
    expect(result.exitCode).toBe(0);
    const documents = JSON.parse(result.stdout);
    const actions = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];
    expect(documents.targetRoleTrustPolicy.document.Statement[0].Action).toEqual(actions);
    expect(documents.sourceRolePermissionPolicy.document.Statement[0].Action).toEqual(actions);
  });
});

describeWithMoto('tags and source identity against moto', (moto) => {
  it('are accepted, and the command acts as the role', async () => {
    const env = moto().env({ AWS_REGION: 'us-east-1' });
    const result = await runCli(
      ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'tagged', '--tag', 'team=payments', '--transitive-tag', 'team']
        .concat(['--source-identity', 'alice@example.com', '--policy', COMPACT_POLICY, '--allowed-account', ACCOUNT_A])
        .concat(['--', 'aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text']),
      { env },
    );
    expect(result.stderr).not.toContain('fix:');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/tagged`);
  });
});
