// What a run asks of STS: the role and session (RoleTarget), where source credentials
// come from and how STS is reached (SourceOptions), and the two flattened into the
// request an AssumeRole needs (RoleRequest), which the credential cache records. Pure.
import type { NetworkSettings } from './network.ts';
import type { SessionAttributes } from './session-attributes.ts';

/** A person's MFA: the device (else the source profile's mfa_serial), and its code (else asked on the terminal). */
export interface MfaSettings {
  serial: string | undefined;
  code: string | undefined;
}

export const NO_MFA: MfaSettings = { serial: undefined, code: undefined };

/** Where source credentials come from and how STS is reached. */
export interface SourceOptions {
  profile: string | undefined;
  mfa: MfaSettings;
  /** --web-identity-token-file: the role is assumed with this token, no source credentials. */
  webIdentityTokenFile: string | undefined;
  /** Proxy and CA bundle settings given (the environment's are read where requests are made). */
  network: NetworkSettings;
  /** Region given as a setting or by AWS_REGION / AWS_DEFAULT_REGION; else the SDK's profile lookup decides. */
  region: string | undefined;
  endpointUrl: string | undefined;
  assumeTimeoutSeconds: number;
}

/** The role to assume and the request STS gets. */
export interface RoleTarget {
  roleArn: string;
  sessionName: string;
  /** How the session name came to be, for plans: 'given' or the derivation's inputs. */
  sessionNameOrigin: string;
  durationSeconds: number;
  externalId: string | undefined;
  /** Tags, source identity and session policies the session is asked for. */
  session: SessionAttributes;
  /** The only accounts the role may be in (none: any). */
  allowedAccounts: string[];
  /** --jenkins-tags keys left out for STS's limit of 50 tags. */
  droppedTags: string[];
  /** Roles assumed in order before this one (--via): a hub account's; each hop with the same session name. */
  via: string[];
}

/** Everything an AssumeRole needs from a command's options, flat: what the credential cache records. */
export interface RoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
  region: string | undefined;
  endpointUrl: string | undefined;
  profile: string | undefined;
  webIdentityTokenFile?: string | undefined;
  assumeTimeoutSeconds: number;
  network: NetworkSettings;
  session: SessionAttributes;
  allowedAccounts: string[];
  via?: string[] | undefined;
  mfa?: MfaSettings | undefined;
}

export function roleRequestOf(target: RoleTarget, source: SourceOptions): RoleRequest {
  return {
    roleArn: target.roleArn,
    sessionName: target.sessionName,
    durationSeconds: target.durationSeconds,
    externalId: target.externalId,
    region: source.region,
    endpointUrl: source.endpointUrl,
    profile: source.profile,
    webIdentityTokenFile: source.webIdentityTokenFile,
    assumeTimeoutSeconds: source.assumeTimeoutSeconds,
    network: source.network,
    session: target.session,
    allowedAccounts: target.allowedAccounts,
    via: target.via,
    mfa: source.mfa,
  };
}
