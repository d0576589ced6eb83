// Where source credentials come from and how STS is reached, from the settings:
// profile or id token, region, endpoint, deadline, proxy and CA bundle. Pure.
import { parseProxy } from '../aws/proxy-rules.ts';
import { validateMfaCode, validateMfaSerial } from '../credentials/mfa.ts';
import { parseSeconds } from '../domain/duration.ts';
import { type Environment, RESOLVING_PROFILE } from '../domain/environment.ts';
import { ConfigurationError, UsageError } from '../domain/errors.ts';
import type { NetworkSettings } from '../domain/network.ts';
import type { SourceOptions } from '../domain/role-request.ts';
import { checkRegion, checkUrl, nonEmpty } from './setting-readers.ts';
import type { Settings } from './settings.ts';

export function sourceOptions(settings: Settings, region: string | undefined): SourceOptions {
  const timeout = nonEmpty(settings['assume-timeout']);
  const profile = nonEmpty(settings.profile);
  const webIdentityTokenFile = nonEmpty(settings['web-identity-token-file']);
  if (webIdentityTokenFile !== undefined && profile !== undefined) {
    throw new UsageError(
      `${settings['web-identity-token-file']?.source} and ${settings.profile?.source}: a web identity token is the only credential; no profile is read`,
      {
        fix: `drop ${settings.profile?.source}, or ${settings['web-identity-token-file']?.source} to assume the role from the profile`,
      },
    );
  }
  const serial = nonEmpty(settings['mfa-serial']);
  const code = nonEmpty(settings['mfa-code']);
  if (webIdentityTokenFile !== undefined && (serial !== undefined || code !== undefined)) {
    const given = (serial !== undefined ? settings['mfa-serial'] : settings['mfa-code'])?.source;
    throw new UsageError(
      `${given} with ${settings['web-identity-token-file']?.source}: MFA belongs to an IAM user's keys, and a token uses none`,
      {
        fix: `drop ${given}`,
      },
    );
  }
  return {
    profile,
    mfa: {
      serial: serial === undefined ? undefined : validateMfaSerial(serial, settings['mfa-serial']?.source ?? '--mfa-serial'),
      code: code === undefined ? undefined : validateMfaCode(code, settings['mfa-code']?.source ?? '--mfa-code'),
    },
    webIdentityTokenFile,
    region,
    endpointUrl: checkUrl(nonEmpty(settings['endpoint-url']), settings['endpoint-url']?.source ?? '--endpoint-url'),
    assumeTimeoutSeconds: timeout === undefined ? 60 : parseSeconds(timeout, settings['assume-timeout']?.source ?? '--assume-timeout'),
    network: networkOf(settings),
  };
}

/** --proxy URL, --no-proxy (WITH_ASSUMED_ROLE_PROXY=none), --ca-bundle FILE. */
export function networkOf(settings: Settings): NetworkSettings {
  const proxy = settings.proxy;
  const off = proxy !== undefined && (proxy.value === false || /^(none|off|false)$/i.test(String(proxy.value)));
  let url: string | undefined;
  if (proxy !== undefined && !off) {
    url = nonEmpty(proxy);
    try {
      parseProxy(url as string, proxy.source);
    } catch {
      throw new UsageError(`${proxy.source}: not a proxy URL; expected http://[user:password@]host:port`, {
        fix: `give it as e.g. http://proxy.example.com:3128`,
      });
    }
  }
  return { proxy: url, noProxy: off, caBundle: nonEmpty(settings['ca-bundle']) };
}

/** The single region from settings, else from AWS_REGION / AWS_DEFAULT_REGION. */
export function regionOf(settings: Settings, env: Environment): string | undefined {
  const given = nonEmpty(settings.region);
  if (given !== undefined) return checkRegion(given, settings.region?.source ?? '--region');
  if (env.AWS_REGION) return checkRegion(env.AWS_REGION, 'AWS_REGION');
  if (env.AWS_DEFAULT_REGION) return checkRegion(env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION');
  return undefined;
}

/**
 * A credential_process line of profile P that runs withAssumedRole with P as its own
 * source would start itself again and again: the CLI marks the environment of what
 * it runs while resolving a profile (RESOLVING_PROFILE), and a run that would resolve
 * the same profile stops here, at once.
 */
export function checkNotResolvingItself(settings: Settings, env: Environment): void {
  const resolving = env[RESOLVING_PROFILE];
  const profile = nonEmpty(settings.profile) ?? (env.AWS_PROFILE || undefined);
  if (resolving === undefined || resolving === '' || profile !== resolving) return;
  throw new ConfigurationError(
    `profile ${profile}: its credential_process runs withAssumedRole, whose source is profile ${profile} again: it would start itself forever`,
    {
      fix: `give that credential_process line a source of its own (--profile <another profile>, or none: keys or an instance profile), and keep AWS_PROFILE=${profile} for the tools that use it`,
    },
  );
}
