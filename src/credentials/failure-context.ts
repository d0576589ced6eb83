// What an STS failure is explained with: what was asked, of whom, how many times.
import type { SessionAttributes } from '../domain/session-attributes.ts';
import type { WebIdentityToken } from './web-identity-token.ts';

export interface FailureContext {
  roleArn: string;
  durationSeconds: number;
  region: string;
  /** 'STS (https://sts.us-east-1.amazonaws.com)' or the --endpoint-url. */
  endpoint: string;
  sourceLabel: string;
  /** From GetCallerIdentity, when it answered. */
  sourceIdentityArn?: string | undefined;
  attempts: number;
  assumeTimeoutSeconds: number;
  externalId?: string | undefined;
  /** The proxy requests went through, shown without its password. */
  proxy?: string | undefined;
  /** Tags, source identity and session policies asked for. */
  session?: SessionAttributes | undefined;
  /** The id token the role was asked for with (AssumeRoleWithWebIdentity). */
  webIdentity?: WebIdentityToken | undefined;
  /** When it failed (epoch ms): what a token's expiry is measured against. */
  now: number;
}

/** A JSON document, indented under a message's detail lines. */
export const indent = (json: unknown) =>
  JSON.stringify(json, null, 2)
    .split('\n')
    .map((line) => `    ${line}`);
