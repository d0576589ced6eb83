// Keyless: an OIDC id token straight into the deploy role with AssumeRoleWithWebIdentity.
// A test issuer signs RS256 tokens; the loopback STS verifies them with its key, as
// STS does with an IAM OIDC provider, and records what was sent. The environment
// has no keys and no profile, and instance metadata is the STS's own recorder:
// a source lookup would show.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { commandWorks } from '../support/available.ts';
import { availableClients, identitiesCommand, identitiesIn } from '../support/aws-clients.ts';
import { cleanEnv, type Env, fixture, isolatedHome, runCli } from '../support/cli.ts';
import { describeWithMoto } from '../support/moto.ts';
import { createTestIssuer } from '../support/oidc-issuer.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const issuer = createTestIssuer('https://ci.example.com/oidc', 'https://ci.example.com/job/app/');
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'keyless'];
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/keyless`;
const AWS_CLI_IDENTITY = ['aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'];
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** No keys, no profile; instance metadata and STS both the recorder. */
function keylessEnv(tokenFile: string, extra: Env = {}): Env {
  return cleanEnv({
    AWS_EC2_METADATA_DISABLED: undefined,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: world.server.url,
    AWS_ENDPOINT_URL_STS: world.server.url,
    AWS_REGION: 'us-east-1',
    WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    ...extra,
  });
}
const webIdentityCalls = () => world.server.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity');

beforeEach(() => {
  world.server.trustOidc({ issuer: issuer.issuer, publicKey: issuer.publicKey, clientIds: ['sts.amazonaws.com'] }, DEPLOY_ROLE_ARN, [
    'https://ci.example.com/job/app/*',
  ]);
});

describe('--web-identity-token-file', () => {
  it('assumes the role with the token alone: unsigned, the file as it is, no source looked up, 12h in one hop', async () => {
    const tokenFile = issuer.mintFile();
    const result = await runCli([...ROLE, '--duration', '12h', '--', ...AWS_CLI_IDENTITY], { env: keylessEnv(tokenFile) });
    expect(result.stderr).toMatch(/^withAssumedRole: assumed \S+ until \S+\n$/);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(ASSUMED);
    const [call, ...others] = webIdentityCalls();
    expect(others).toEqual([]);
    expect(call?.signed).toBe(false);
    expect(call?.params.WebIdentityToken).toBe(readFileSync(tokenFile, 'utf8'));
    expect(call?.params.DurationSeconds).toBe('43200');
    expect(world.server.imdsCalls).toEqual([]);
    expect(world.server.assumeRoleCalls()).toEqual([]);
  });

  it('masks the token in the command output like the keys, and never prints it', async () => {
    const tokenFile = issuer.mintFile();
    const token = readFileSync(tokenFile, 'utf8');
    const result = await runCli(
      [...ROLE, '--mask', '--verbose', '--', 'sh', '-c', `cat ${tokenFile}; echo; echo "$AWS_WEB_IDENTITY_TOKEN_FILE"`],
      {
        env: keylessEnv(tokenFile, { AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: DEPLOY_ROLE_ARN }),
      },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('****\n\n');
    expect(result.all).not.toContain(token);
    expect(result.stderr).toContain(
      `web identity token ${tokenFile}: issuer https://ci.example.com/oidc, audience sts.amazonaws.com, subject https://ci.example.com/job/app/, expires in `,
    );
  });

  it('reads the file again at each refresh: a rotated token is the one sent next', async () => {
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const tokenFile = issuer.mintFile();
    const first = readFileSync(tokenFile, 'utf8');
    const rotated = issuer.mint({ sub: 'https://ci.example.com/job/app/rotated' });
    // Rotated as the first call arrives, before it is answered: every later read sees the new one.
    world.server.onCall = (call) => {
      if (call.action === 'AssumeRoleWithWebIdentity') writeFileSync(tokenFile, rotated);
      world.server.onCall = undefined;
    };
    const result = await runCli([...ROLE, '--refresh', '--', fixture('until-refreshed.sh'), '2', 'sdk'], {
      env: keylessEnv(tokenFile),
      timeout: 90_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(identitiesIn(result.stdout).sdk?.every((arn) => arn === ASSUMED)).toBe(true);
    const tokens = webIdentityCalls().map((call) => call.params.WebIdentityToken);
    expect(tokens[0]).toBe(first);
    expect(tokens.slice(1).length).toBeGreaterThan(0);
    expect(tokens.slice(1).every((token) => token === rotated)).toBe(true);
  }, 120_000);

  it('--dry-run and doctor show what the token says, and that no source credentials are used', async () => {
    const tokenFile = issuer.mintFile();
    const plan = await runCli([...ROLE, '--dry-run', '--', 'true'], { env: keylessEnv(tokenFile) });
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toMatch(
      /credential source {2}web identity token \S+: issuer https:\/\/ci\.example\.com\/oidc, audience sts\.amazonaws\.com, subject https:\/\/ci\.example\.com\/job\/app\/, expires in (59m\d*s?|1h); no source credentials \(AssumeRoleWithWebIdentity\)\n/,
    );
    // In the step, the token is a Jenkins credential's: the printed call names where its id goes.
    expect(plan.stdout).toMatch(/^ {2}withAssumedRole\(.*oidcCredentialsId: 'the-id-of-your-oidc-credentials', command: 'true'\)$/m);
    const doctor = await runCli(['doctor', ...ROLE], { env: keylessEnv(tokenFile) });
    expect(doctor.exitCode).toBe(0);
    expect(doctor.stdout).toMatch(/^ok {4}credential source {2}web identity token .*; no source credentials are looked up$/m);
    expect(doctor.stdout).toMatch(new RegExp(`^ok {4}assume role {8}${ASSUMED} until `, 'm'));
    expect(doctor.stdout).not.toContain('instance metadata');
    expect(world.server.imdsCalls).toEqual([]);
    expect(plan.all + doctor.all).not.toContain(readFileSync(tokenFile, 'utf8'));
  });

  it('tags and a source identity come from the token, not the request: 64; so does a profile', async () => {
    const tokenFile = issuer.mintFile();
    const tagged = await runCli([...ROLE, '--tag', 'team=x', '--', 'true'], { env: keylessEnv(tokenFile) });
    expect(tagged.exitCode).toBe(64);
    expect(tagged.stderr).toContain(
      "withAssumedRole: --tag with WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE: AssumeRoleWithWebIdentity takes session tags and the source identity from the token's claims",
    );
    const profiled = await runCli([...ROLE, '--profile', 'ci', '--', 'true'], { env: keylessEnv(tokenFile) });
    expect(profiled.exitCode).toBe(64);
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
    const narrowed = await runCli([...ROLE, '--policy', policy, '--', 'true'], { env: keylessEnv(tokenFile) });
    expect(narrowed.exitCode).toBe(0);
    expect(webIdentityCalls()[0]?.params.Policy).toBe(policy);
  });
});

describe('failures: one line from what the token says, the exit code, never the token', () => {
  const run = async (tokenFile: string, extra: string[] = []) => {
    const result = await runCli([...ROLE, ...extra, '--', 'true'], { env: keylessEnv(tokenFile) });
    noStackTrace(result.stderr);
    expect(result.stderr.split('\n')[0]).toMatch(/^withAssumedRole: /);
    return result;
  };
  const unreadable = (path: string, what: string) => `withAssumedRole: web identity token ${path}: ${what}\n`;

  it('a file that is missing, empty or not a JWT: 78 naming the path, STS not called', async () => {
    const home = isolatedHome();
    const empty = join(home, 'empty');
    const garbage = join(home, 'garbage');
    writeFileSync(empty, '\n');
    writeFileSync(garbage, 'not-a-token');
    for (const [path, what] of [
      [join(home, 'missing'), 'cannot be read (ENOENT)'],
      [empty, 'is empty'],
      [garbage, 'does not hold a JWT'],
    ] as const) {
      const result = await run(path);
      expect(result.exitCode).toBe(78);
      expect(result.stderr).toContain(unreadable(path, what));
    }
    expect(world.server.calls).toEqual([]);
  });

  it('expired: 77, how long ago', async () => {
    const tokenFile = issuer.mintFile({ exp: Math.floor(Date.now() / 1000) - 300 });
    const result = await run(tokenFile);
    expect(result.exitCode).toBe(77);
    expect(result.stderr).toMatch(
      new RegExp(`^withAssumedRole: web identity token ${tokenFile}: expired 5m\\d*s? ago \\(ExpiredTokenException\\)\\n`),
    );
    expect(result.stderr).toContain('fix: bind a fresh token');
    expect(result.all).not.toContain(readFileSync(tokenFile, 'utf8'));
  });

  it('wrong audience, or an issuer AWS has no provider for: 77, InvalidIdentityToken, the claims named', async () => {
    for (const tokenFile of [
      issuer.mintFile({ aud: 'https://ci.example.com' }),
      createTestIssuer('https://other.example.com').mintFile(),
    ]) {
      const result = await run(tokenFile);
      expect(result.exitCode).toBe(77);
      expect(result.stderr).toContain(`withAssumedRole: web identity token ${tokenFile}: STS does not accept it (InvalidIdentityToken)\n`);
      expect(result.stderr).toMatch(/ {2}token: issuer https:\/\/\S+, audience \S+, subject \S+, expires in /);
      expect(result.stderr).toContain('needs an IAM OIDC provider for https://');
      expect(result.all).not.toContain(readFileSync(tokenFile, 'utf8'));
    }
  });

  it("AccessDenied: the trust policy's conditions for this token, and the provider ARN", async () => {
    const tokenFile = issuer.mintFile({ sub: 'https://ci.example.com/job/other/' });
    const result = await run(tokenFile);
    expect(result.exitCode).toBe(77);
    expect(result.stderr).toContain(`withAssumedRole: ${DEPLOY_ROLE_ARN}: AccessDenied: its trust policy does not accept this token\n`);
    expect(result.stderr).toContain(
      `the trust policy must trust arn:aws:iam::${ACCOUNT_A}:oidc-provider/ci.example.com/oidc with ci.example.com/oidc:aud = sts.amazonaws.com and ci.example.com/oidc:sub matching the token's subject`,
    );
    expect(result.stderr).toContain('"ci.example.com/oidc:sub": "https://ci.example.com/job/other/"');
    expect(result.stderr).toContain(
      `fix: withAssumedRole policies --target-account ${ACCOUNT_A} --role DeployMaster --oidc-issuer https://ci.example.com/oidc --oidc-subject 'https://ci.example.com/job/other/'`,
    );
  });

  it('IDPRejectedClaim: 77', async () => {
    world.server.faults = { idpRejectsClaims: true };
    const result = await run(issuer.mintFile());
    expect(result.exitCode).toBe(77);
    expect(result.stderr).toContain(': a claim was rejected (IDPRejectedClaim)\n');
  });

  it('IDPCommunicationError: retried; past the last attempt, 75 saying the issuer must be reachable from AWS', async () => {
    world.server.faults = { idpUnreachableFirst: 2 };
    const recovered = await run(issuer.mintFile());
    expect(recovered.exitCode).toBe(0);
    expect(webIdentityCalls().map((call) => call.outcome)).toEqual(['IDPCommunicationError', 'IDPCommunicationError', 'OK']);
    world.server.faults = { idpUnreachableFirst: 100 };
    const failed = await run(issuer.mintFile());
    expect(failed.exitCode).toBe(75);
    expect(failed.stderr).toContain(
      "AWS could not reach the token's issuer https://ci.example.com/oidc to verify it (IDPCommunicationError), 6 times",
    );
    expect(failed.stderr).toContain("fix: the issuer's /.well-known/openid-configuration and its keys must be reachable from AWS");
  });
});

describe('policies --oidc-issuer', () => {
  const base = ['policies', '--target-account', ACCOUNT_A, '--role', 'DeployMaster', '--oidc-issuer', 'https://ci.example.com/oidc/'];

  it('the provider and a trust policy for its tokens: aud sts.amazonaws.com, sub pinned, StringLike only with a *', async () => {
    const exact = JSON.parse((await runCli([...base, '--oidc-subject', 'https://ci.example.com/job/app/'], { env: cleanEnv() })).stdout);
    expect(exact.oidcProvider).toMatchObject({
      url: 'https://ci.example.com/oidc',
      clientIdList: ['sts.amazonaws.com'],
      arn: `arn:aws:iam::${ACCOUNT_A}:oidc-provider/ci.example.com/oidc`,
    });
    expect(exact.targetRoleTrustPolicy.document.Statement).toEqual([
      {
        Sid: 'TrustJenkinsOidc',
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT_A}:oidc-provider/ci.example.com/oidc` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'ci.example.com/oidc:aud': 'sts.amazonaws.com', 'ci.example.com/oidc:sub': 'https://ci.example.com/job/app/' },
        },
      },
    ]);
    expect(exact.sourceRolePermissionPolicy).toBeUndefined();
    const wild = JSON.parse(
      (
        await runCli([...base, '--oidc-subject', 'https://ci.example.com/job/app/', '--oidc-subject', 'https://ci.example.com/job/lib/*'], {
          env: cleanEnv(),
        })
      ).stdout,
    );
    expect(wild.targetRoleTrustPolicy.document.Statement[0].Condition).toEqual({
      StringEquals: { 'ci.example.com/oidc:aud': 'sts.amazonaws.com' },
      StringLike: { 'ci.example.com/oidc:sub': ['https://ci.example.com/job/app/', 'https://ci.example.com/job/lib/*'] },
    });
  });

  it('refuses an issuer without subjects, a non-https issuer, and account B options: 64', async () => {
    for (const [args, message] of [
      [base, '--oidc-issuer: needs --oidc-subject: without one, every job of that Jenkins could assume the role'],
      [[...base.slice(0, -1), 'http://ci.example.com/oidc', '--oidc-subject', 'x'], 'not an https URL'],
      [
        [...base, '--oidc-subject', 'x', '--source-account', '123456789012'],
        "--source-account with --oidc-issuer: the role trusts the issuer's tokens, not account B",
      ],
    ] as const) {
      const result = await runCli([...args], { env: cleanEnv() });
      expect(result.exitCode).toBe(64);
      expect(result.stderr).toContain(message);
    }
  });

  // cfn-lint (Python, its whole rule set) takes seconds alone and more on a busy machine: not the default 30 s.
  it('as Terraform and CloudFormation: account A alone, the same documents', { timeout: 120_000 }, async () => {
    const subject = ['--oidc-subject', 'https://ci.example.com/job/app/'];
    const terraform = (await runCli([...base, ...subject, '--format', 'terraform'], { env: cleanEnv() })).stdout;
    type Hcl = { resource: Record<string, Record<string, Record<string, unknown>[]>> };
    const parsed = (await parseHcl('main.tf', terraform)) as Hcl;
    expect(parsed.resource.aws_iam_openid_connect_provider?.jenkins?.[0]).toMatchObject({
      url: 'https://ci.example.com/oidc',
      client_id_list: ['sts.amazonaws.com'],
    });
    expect(String(parsed.resource.aws_iam_role?.deploy?.[0]?.assume_role_policy)).toContain('sts:AssumeRoleWithWebIdentity');
    const cloudformation = (await runCli([...base, ...subject, '--format', 'cloudformation'], { env: cleanEnv() })).stdout;
    expect(cloudformation).not.toContain('---');
    expect(cloudformation).toContain('Type: AWS::IAM::OIDCProvider');
    if (commandWorks('cfn-lint') || process.env.CI) {
      const file = join(isolatedHome(), 'oidc.yaml');
      writeFileSync(file, cloudformation);
      const lint = await execa('cfn-lint', [file], { reject: false });
      expect(lint.stdout + lint.stderr).toBe('');
      expect(lint.exitCode).toBe(0);
    }
  });
});

describeWithMoto('keyless against moto', (moto) => {
  it('the token assumes the role; the AWS CLI, boto3 and the SDK in the command act as it', async () => {
    const clients = availableClients().filter((client) => client !== 'v2');
    const tokenFile = issuer.mintFile();
    const env = cleanEnv({
      AWS_ENDPOINT_URL: moto().url,
      AWS_REGION: 'us-east-1',
      WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    });
    const result = await runCli([...ROLE, '--', 'sh', '-c', identitiesCommand(clients)], { env });
    expect(result.stderr).not.toContain('fix:');
    expect(result.exitCode).toBe(0);
    const seen = identitiesIn(result.stdout);
    for (const client of clients) expect(seen[client], client).toEqual([ASSUMED]);
  });
});
