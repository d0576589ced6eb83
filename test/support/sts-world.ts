// A loopback STS with one source user in account B, and the environment a
// wrapper run needs to reach it: the cross-account flow without AWS.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { AWS_TEST_HOSTS, type AwsRedirect, startAwsRedirect } from './aws-redirect.ts';
import { cleanEnv, type Env } from './cli.ts';
import { type Credentials, StsTestServer } from './sts-server.ts';
import { createTestCa } from './test-ca.ts';

export const ACCOUNT_A = '521111111144';
export const ACCOUNT_B = '123456789012';
export const DEPLOY_ROLE_ARN = `arn:aws:iam::${ACCOUNT_A}:role/DeployMaster`;
export const SOURCE_USER_ARN = `arn:aws:iam::${ACCOUNT_B}:user/jenkins`;

export interface StsWorld {
  server: StsTestServer;
  source: Credentials;
  /** A clean environment with the source keys and the STS endpoint set. */
  env(extra?: Env): Env;
  /** A clean environment whose only source is the instance profile AssumeRoleInA (account B), from the loopback metadata service. */
  instanceProfileEnv(extra?: Env): Env;
  /** With `tls`: a proxy that sends AWS hostnames to the STS over TLS, and the CA that signed its certificate. */
  redirect: (AwsRedirect & { caFile: string }) | undefined;
}

export interface StsWorldOptions {
  /** Also serve TLS for AWS hostnames through a redirecting proxy (clients that take no endpoint setting). */
  tls?: boolean;
  /** Listen here rather than on 127.0.0.1 (a veth address, for emulated containers). */
  host?: string | (() => string);
}

/** Starts a test STS for the file, resets its faults and log before each test. */
export function useStsWorld(options: StsWorldOptions = {}): StsWorld {
  const world = {} as StsWorld;
  beforeAll(async () => {
    const host = typeof options.host === 'function' ? options.host() : (options.host ?? '127.0.0.1');
    world.server = await new StsTestServer().start(0, host);
    if (options.tls) {
      const ca = createTestCa();
      await world.server.startTls(ca.issue([...AWS_TEST_HOSTS, host]));
      world.redirect = { ...(await startAwsRedirect(world.server.tlsPortNumber, host)), caFile: ca.caFile };
    }
    world.source = world.server.addUser(SOURCE_USER_ARN);
    world.env = (extra = {}) =>
      cleanEnv({
        AWS_ACCESS_KEY_ID: world.source.accessKeyId,
        AWS_SECRET_ACCESS_KEY: world.source.secretAccessKey,
        AWS_ENDPOINT_URL_STS: world.server.url,
        ...extra,
      });
    world.instanceProfileEnv = (extra = {}) => {
      world.server.setInstanceProfile(ACCOUNT_B, 'AssumeRoleInA');
      return cleanEnv({
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: world.server.url,
        AWS_ENDPOINT_URL_STS: world.server.url,
        ...extra,
      });
    };
  });
  beforeEach(() => {
    world.server.reset();
    world.redirect?.connects.splice(0);
  });
  afterAll(async () => {
    await world.server?.close();
    await world.redirect?.close();
  });
  return world;
}
