// Resolves the source credentials: the first step of the planned chain that answers.

import { readFileSync } from 'node:fs';
import type { HandlerOptions } from '../aws/http-handler.ts';
import { loadProvidersSdk } from '../aws/load-sdk.ts';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError, StsRefusedError } from '../domain/errors.ts';
import {
  hasDefaultSection,
  instanceMetadataSettings,
  isRoleSessionSource,
  planSourceChain,
  type SourceFacts,
  type SourceKind,
  type SourceStep,
  sharedFilePaths,
} from './source-plan.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface SourceCredentials {
  /** Where they were found; 'session-cache': a person's cached session (session-cache.ts). */
  kind: SourceKind | 'session-cache';
  label: string;
  /** Known to be a role session, so STS caps roles chained from it at one hour. */
  roleSession: boolean;
  credentials: AwsCredentials;
}

export interface SourceRequest {
  profile: string | undefined;
  region: string;
  endpointUrl: string | undefined;
  /** How the providers' own STS and SSO clients reach AWS (timeouts, proxy, CA bundle). */
  handler: HandlerOptions;
  /** The code for a profile whose role_arn asks for MFA (mfa_serial): the SDK's profile provider assumes that role itself. */
  mfaCodeProvider?: (serial: string) => Promise<string>;
}

/** The SDK's instance-metadata default is 1 s and no retry; a busy agent deserves more, yet a laptop must learn "no IMDS" in seconds. */
export const IMDS_TIMEOUT_MS = 1000;
export const IMDS_RETRIES = 2;

interface ProviderFailure {
  name?: string;
  message?: string;
  tryNextLink?: boolean;
}

async function callStep(step: SourceStep, request: SourceRequest, env: Environment): Promise<AwsCredentials> {
  if (step.kind === 'environment') {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID as string,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  }
  const sdk = await loadProvidersSdk();
  const clientConfig = {
    region: request.region,
    requestHandler: request.handler,
    ...(request.endpointUrl === undefined ? {} : { endpoint: request.endpointUrl }),
  };
  switch (step.kind) {
    case 'profile': {
      const { configFile, credentialsFile } = sharedFilePaths(env);
      return sdk.fromIni({
        profile: step.profile as string,
        filepath: credentialsFile,
        configFilepath: configFile,
        clientConfig,
        ignoreCache: true,
        ...(request.mfaCodeProvider === undefined ? {} : { mfaCodeProvider: request.mfaCodeProvider }),
      })();
    }
    case 'web-identity':
      return sdk.fromTokenFile({
        webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE as string,
        ...(env.AWS_ROLE_ARN ? { roleArn: env.AWS_ROLE_ARN } : {}),
        ...(env.AWS_ROLE_SESSION_NAME ? { roleSessionName: env.AWS_ROLE_SESSION_NAME } : {}),
        clientConfig,
      })();
    case 'container':
      return sdk.fromHttp({ ...containerEndpointOf(env), timeout: IMDS_TIMEOUT_MS, maxRetries: IMDS_RETRIES })();
    case 'instance-metadata':
      return sdk.fromInstanceMetadata({ timeout: IMDS_TIMEOUT_MS, maxRetries: IMDS_RETRIES })();
  }
}

/**
 * The container-credentials settings of `env`, for the SDK's HTTP provider (ECS task
 * roles, EKS Pod Identity with its token file, read at each call): given explicitly,
 * so that `env` decides rather than this process's own, and one of each pair only,
 * in the SDK's precedence (a relative URI over a full one, a token file over a token).
 */
function containerEndpointOf(env: Environment) {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || '';
  const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE || '';
  return {
    awsContainerCredentialsRelativeUri: relative,
    awsContainerCredentialsFullUri: relative === '' ? env.AWS_CONTAINER_CREDENTIALS_FULL_URI || '' : '',
    awsContainerAuthorizationTokenFile: tokenFile,
    awsContainerAuthorizationToken: tokenFile === '' ? env.AWS_CONTAINER_AUTHORIZATION_TOKEN || '' : '',
  };
}

/** The SDK's SSO providers: a session that ended, or none to use (never logged in, an unreadable token). */
function ssoFailure(error: ProviderFailure): 'expired' | 'missing' | undefined {
  const message = error.message ?? '';
  if (!/sso/i.test(message) || !/expired|refresh|sso login/i.test(message)) return undefined;
  // A token that ended and cannot be refreshed (no refresh token) has expired, whatever else is missing from it.
  if (/expired|cannot refresh/i.test(message)) return 'expired';
  return 'missing';
}

/** Reads the shared files for what the source plan needs to know. */
export function readSourceFacts(env: Environment): SourceFacts {
  const { configFile, credentialsFile } = sharedFilePaths(env);
  const holdsDefault = (path: string) => {
    try {
      return hasDefaultSection(readFileSync(path, 'utf8'));
    } catch {
      return false;
    }
  };
  return { defaultProfile: holdsDefault(configFile) || holdsDefault(credentialsFile) };
}

/**
 * Asks each planned step in turn and returns the first credentials found, with where
 * they came from. Throws ConfigurationError (exit 78) listing every place looked.
 */
export async function resolveSourceCredentials(request: SourceRequest, env: Environment): Promise<SourceCredentials> {
  const steps = planSourceChain(env, request.profile, readSourceFacts(env));
  const looked: string[] = [];
  for (const step of steps) {
    if (step.skip !== undefined) {
      looked.push(`${step.label}: ${step.skip}`);
      continue;
    }
    try {
      const credentials = await callStep(step, request, env);
      return { kind: step.kind, label: step.label, roleSession: isRoleSessionSource(step.kind), credentials };
    } catch (caught) {
      const error = caught as ProviderFailure;
      const sso = step.kind === 'profile' ? ssoFailure(error) : undefined;
      if (sso === 'expired') {
        throw new StsRefusedError('ExpiredToken', `${step.label}: its SSO session has expired`, {
          fix: `aws sso login --profile ${step.profile}`,
          cause: caught,
        });
      }
      if (sso === 'missing') {
        throw new ConfigurationError(`${step.label}: no SSO session (not logged in on this machine)`, {
          fix: `aws sso login --profile ${step.profile}`,
          cause: caught,
        });
      }
      const reason = nestedWrapperLine(error.message) ?? (firstLine(error.message) || String(caught));
      if (steps.length === 1) {
        throw new ConfigurationError(`${step.label}: no credentials: ${reason}`, {
          fix: `check the profile in ${sharedFilePaths(env).configFile} (aws configure list --profile ${step.profile}), or drop --profile/AWS_PROFILE`,
          cause: caught,
        });
      }
      if (error.tryNextLink === false && step.kind !== 'instance-metadata') {
        throw new ConfigurationError(`${step.label}: ${reason}`, { fix: 'fix or remove that credential source', cause: caught });
      }
      looked.push(`${step.label}: ${reason}`);
    }
  }
  throw new ConfigurationError('no source credentials: none of the places the AWS SDK looks had any', {
    fix: 'on a Jenkins agent attach an instance profile; locally run aws sso login or pass --profile',
    details: [
      ...looked.map((line) => `looked at ${line}`),
      ...(instanceMetadataSettings(env).disabled
        ? []
        : [
            'instance metadata: in a container on EC2, IMDSv2 needs a hop limit of 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2)',
            'instance metadata: AWS_EC2_METADATA_DISABLED=true turns it off; check the instance has an instance profile',
          ]),
    ],
  });
}

/** What a withAssumedRole run by this source (a credential_process) said, when it said something: its own first line. */
function nestedWrapperLine(text: string | undefined): string | undefined {
  return /^withAssumedRole: (.+)$/m.exec(text ?? '')?.[1];
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]?.trim() ?? '';
}
