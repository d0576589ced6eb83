// moto_server (an AWS emulator) running the two-account world of the product: account A
// holds the deploy role and its instances, account B the Jenkins agents' role,
// instance profile, a user with keys, and instances of its own; and a hub account
// whose role Hub organisations route deploys through (--via).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { commandWorks } from './available.ts';
import { cleanEnv, type Env } from './cli.ts';
import { describeRequiring } from './describe-requiring.ts';
import { ACCOUNT_A, ACCOUNT_B } from './sts-world.ts';

export interface MotoWorld {
  url: string;
  /** Keys of the IAM user jenkins in account B. */
  source: { accessKeyId: string; secretAccessKey: string };
  /** Instances per account and region, as seeded. */
  instances: Record<string, Record<string, number>>;
  /** A clean environment with the user's keys as source and moto as every AWS endpoint. */
  env(extra?: Env): Env;
}

/** The hub account, and its role on the way from account B to account A. */
export const HUB_ACCOUNT = '111122223333';
export const HUB_ROLE_ARN = `arn:aws:iam::${HUB_ACCOUNT}:role/Hub`;

export const SEEDED_INSTANCES = {
  [ACCOUNT_A]: { 'us-east-1': 3, 'eu-west-1': 1 },
  [ACCOUNT_B]: { 'us-east-1': 2 },
};

export const motoAvailable = () => commandWorks('moto_server', ['--help']);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One query-protocol call as account `account`, the way moto lets a test set up any account. */
async function call(url: string, account: string, service: string, params: Record<string, string>, region = 'us-east-1'): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-moto-account-id': account,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto ${params.Action} in ${account}: ${response.status} ${text}`);
  return text;
}

const trust = (principal: Record<string, string>) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });

/** Keys of a new IAM user in `account`: with them, any real client acts in that account. */
export async function createUserKeys(
  url: string,
  account: string,
  userName: string,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = (params: Record<string, string>) => call(url, account, 'iam', { Version: '2010-05-08', ...params });
  await iam({ Action: 'CreateUser', UserName: userName });
  const keys = await iam({ Action: 'CreateAccessKey', UserName: userName });
  return { accessKeyId: /<AccessKeyId>([^<]+)</.exec(keys)?.[1] ?? '', secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(keys)?.[1] ?? '' };
}

/** The two accounts: DeployMaster and RoleForB in A trusting B; AssumeRoleInA in B with an instance profile; Hub in the hub account, trusting B. */
export async function startTwoAccountWorld(url: string): Promise<MotoWorld> {
  const iam = (account: string, params: Record<string, string>) => call(url, account, 'iam', { Version: '2010-05-08', ...params });
  for (const role of ['DeployMaster', 'RoleForB']) {
    await iam(ACCOUNT_A, {
      Action: 'CreateRole',
      RoleName: role,
      AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT_B}:root` }),
    });
  }
  await iam(HUB_ACCOUNT, {
    Action: 'CreateRole',
    RoleName: 'Hub',
    AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT_B}:root` }),
  });
  await iam(ACCOUNT_B, {
    Action: 'CreateRole',
    RoleName: 'AssumeRoleInA',
    AssumeRolePolicyDocument: trust({ Service: 'ec2.amazonaws.com' }),
  });
  await iam(ACCOUNT_B, {
    Action: 'PutRolePolicy',
    RoleName: 'AssumeRoleInA',
    PolicyName: 'AssumeDeployRole',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT_A}:role/DeployMaster` }],
    }),
  });
  await iam(ACCOUNT_B, { Action: 'CreateInstanceProfile', InstanceProfileName: 'AssumeRoleInA' });
  await iam(ACCOUNT_B, { Action: 'AddRoleToInstanceProfile', InstanceProfileName: 'AssumeRoleInA', RoleName: 'AssumeRoleInA' });
  const { accessKeyId, secretAccessKey } = await createUserKeys(url, ACCOUNT_B, 'jenkins');
  for (const [account, regions] of Object.entries(SEEDED_INSTANCES)) {
    for (const [region, count] of Object.entries(regions)) {
      const params = {
        Action: 'RunInstances',
        Version: '2016-11-15',
        ImageId: 'ami-12c6146b',
        MinCount: String(count),
        MaxCount: String(count),
      };
      await call(url, account, 'ec2', params, region);
    }
  }
  const env = (extra: Env = {}) =>
    cleanEnv({ AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_ENDPOINT_URL: url, ...extra });
  return { url, source: { accessKeyId, secretAccessKey }, instances: SEEDED_INSTANCES, env };
}

export interface RunningMoto {
  url: string;
  stop(): Promise<void>;
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<RunningMoto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 100) {
    try {
      await fetch(`${url}/moto-api/`);
      break;
    } catch {
      if (waited > 30_000 || child.exitCode !== null) throw new Error('moto_server did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A describe block that needs moto. Without moto_server it is skipped with a
 * notice on a developer machine, and fails under CI, where moto must run.
 */
export function describeWithMoto(name: string, body: (world: () => MotoWorld) => void): void {
  const requirement = {
    available: motoAvailable(),
    needs: 'needs moto_server, which CI must provide',
    missingUnderCi: 'moto_server is not installed: CI must run the moto tests',
    notice: (skipped: string) =>
      `NOTICE: moto_server not found; skipping "${skipped}". Install moto (pip install 'moto[server]') to run it.`,
  };
  describeRequiring(requirement, name, () => {
    let moto: RunningMoto | undefined;
    let world: MotoWorld | undefined;
    beforeAll(async () => {
      moto = await startMoto();
      world = await startTwoAccountWorld(moto.url);
    });
    afterAll(async () => {
      await moto?.stop();
    });
    body(() => world as MotoWorld);
  });
}
