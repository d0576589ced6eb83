// One strategy per STS API a role is assumed with: AssumeRole, signed with source
// credentials, and AssumeRoleWithWebIdentity, unsigned, with an id token. Each is
// chosen once and holds what it needs; the caller retries `send` and explains failures.
import type { StsSdk } from '../aws/load-sdk.ts';
import { InternalError } from '../domain/errors.ts';
import type { RoleTarget } from '../domain/role-request.ts';
import type { SessionAttributes } from '../domain/session-attributes.ts';
import type { AwsCredentials, SourceCredentials } from './source-credentials.ts';
import type { StsClient } from './sts-client.ts';
import type { WebIdentityToken } from './web-identity-token.ts';

/** What a role was assumed with instead of source credentials: an id token, read from its file. */
export interface TokenSource {
  kind: 'web-identity-token';
  label: string;
  roleSession: false;
  token: WebIdentityToken;
}

/** What AssumeRole and AssumeRoleWithWebIdentity answer that is used here. */
export interface AssumeAnswer {
  Credentials?:
    | {
        AccessKeyId?: string | undefined;
        SecretAccessKey?: string | undefined;
        SessionToken?: string | undefined;
        Expiration?: Date | undefined;
      }
    | undefined;
  AssumedRoleUser?: { Arn?: string | undefined } | undefined;
}

export interface StsStrategy {
  /** What the role is assumed with, as messages name it. */
  source: SourceCredentials | TokenSource;
  /** One attempt. */
  send(signal: AbortSignal): Promise<AssumeAnswer>;
}

/** Never asked for: AssumeRoleWithWebIdentity is unsigned, and no source is looked up for it. */
export const NO_CREDENTIALS = async (): Promise<AwsCredentials> => {
  throw new InternalError('AssumeRoleWithWebIdentity needs no credentials; none are looked up', { fix: 'report it' });
};

const requestOf = (target: RoleTarget) => ({
  RoleArn: target.roleArn,
  RoleSessionName: target.sessionName,
  DurationSeconds: target.durationSeconds,
});

/** Session policies: what AssumeRoleWithWebIdentity takes of the attributes too. */
function sessionPolicies(session: SessionAttributes) {
  return {
    ...(session.policy === undefined ? {} : { Policy: session.policy }),
    ...(session.policyArns.length === 0 ? {} : { PolicyArns: session.policyArns.map((arn) => ({ arn })) }),
  };
}

/** AssumeRole's parameters for session tags, source identity and session policies: only those asked for. */
function assumeRoleExtras(session: SessionAttributes) {
  return {
    ...(session.tags.length === 0 ? {} : { Tags: session.tags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
    ...(session.transitiveTagKeys.length === 0 ? {} : { TransitiveTagKeys: session.transitiveTagKeys }),
    ...(session.sourceIdentity === undefined ? {} : { SourceIdentity: session.sourceIdentity }),
    ...sessionPolicies(session),
  };
}

/** AssumeRole, signed by `client` with the source credentials. */
export function roleStrategy(sdk: StsSdk, client: StsClient, target: RoleTarget, source: SourceCredentials): StsStrategy {
  const command = new sdk.AssumeRoleCommand({
    ...requestOf(target),
    ...(target.externalId === undefined ? {} : { ExternalId: target.externalId }),
    ...assumeRoleExtras(target.session),
  });
  return { source, send: (signal) => client.send(command, { abortSignal: signal }) };
}

/** How long an MFA session (GetSessionToken) lasts: STS's own default for an IAM user, a working day. */
export const MFA_SESSION_SECONDS = 43200;

/** GetSessionToken with an MFA device's code, signed by `client` with an IAM user's own keys: the MFA session. */
export function mfaSessionRequest(sdk: StsSdk, client: StsClient, serial: string, code: string) {
  const command = new sdk.GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code, DurationSeconds: MFA_SESSION_SECONDS });
  return (signal: AbortSignal) => client.send(command, { abortSignal: signal });
}

/** AssumeRoleWithWebIdentity with the token read now: a refresh sends the file's current token. */
export function webIdentityStrategy(sdk: StsSdk, client: StsClient, target: RoleTarget, token: WebIdentityToken): StsStrategy {
  const command = new sdk.AssumeRoleWithWebIdentityCommand({
    ...requestOf(target),
    WebIdentityToken: token.token,
    ...sessionPolicies(target.session),
  });
  return {
    source: { kind: 'web-identity-token', label: `the web identity token ${token.path}`, roleSession: false, token },
    send: (signal) => client.send(command, { abortSignal: signal }),
  };
}
