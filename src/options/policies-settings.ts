// `policies`' options: the two accounts, the role, whom else it trusts, the format,
// and, keyless, the OIDC issuer and subjects it trusts instead of account B. Pure.
import { UsageError } from '../domain/errors.ts';
import { validateAccount, validatePrincipalArn, validateRoleArn, validateRoleName } from '../domain/role-arn.ts';
import type { CommonOptions, PoliciesOptions } from './command-options.ts';
import { checkRegion, choice, flag, itemsOf, listOf, nonEmpty } from './setting-readers.ts';
import type { Settings } from './settings.ts';
import { checkExternalId } from './target-settings.ts';

export function normalizePolicies(settings: Settings, common: CommonOptions): PoliciesOptions {
  const required = (name: 'target-account' | 'source-account' | 'role', what: string) => {
    const value = nonEmpty(settings[name]);
    if (value === undefined)
      throw new UsageError(`--${name} is required: ${what}`, {
        fix: `pass --${name}, e.g. ${{ role: 'RoleForB', 'target-account': '521111111144', 'source-account': '123456789012' }[name]}`,
      });
    return value;
  };
  const sourceRole = nonEmpty(settings['source-role']);
  const oidc = oidcTrustOf(settings);
  const format = choice(settings.format, ['json', 'cloudformation', 'terraform'], 'json');
  const via = itemsOf(settings.via)
    .filter((hop) => hop !== '')
    .map((hop) => validateRoleArn(hop, settings.via?.source ?? '--via'));
  if (via.length > 0 && (oidc !== undefined || format !== 'json')) {
    throw new UsageError(
      `${settings.via?.source} with ${oidc !== undefined ? '--oidc-issuer' : `--format ${format}`}: the documents of a chain are made as JSON, from account B's agents`,
      { fix: `drop ${oidc !== undefined ? '--oidc-issuer' : '--format'}, or ${settings.via?.source}` },
    );
  }
  return {
    ...common,
    command: 'policies',
    targetAccount: validateAccount(required('target-account', 'account A, which owns the deploy role'), settings['target-account']?.source),
    sourceAccount:
      oidc === undefined
        ? validateAccount(required('source-account', 'account B, where the agents run'), settings['source-account']?.source)
        : '',
    oidc,
    role: validateRoleName(required('role', 'the name of the deploy role in account A'), settings.role?.source, { path: false }),
    sourceRole: sourceRole === undefined ? undefined : validateRoleName(sourceRole, settings['source-role']?.source, { path: false }),
    externalId: checkExternalId(nonEmpty(settings['external-id']), settings['external-id']?.source),
    region: checkRegion(nonEmpty(settings.region), settings.region?.source ?? '--region'),
    format,
    via,
    alsoTrust: listOf(settings['also-trust']).map((arn) => validatePrincipalArn(arn, settings['also-trust']?.source)),
    outDir: nonEmpty(settings['out-dir']),
    withTags: flag(settings['with-tags']) === true,
    withSourceIdentity: flag(settings['with-source-identity']) === true,
  };
}

/**
 * --oidc-issuer with its --oidc-subject values: the role then trusts that issuer's id
 * tokens for those subjects, and account B plays no part. A subject is required: an
 * issuer alone would let every job of that Jenkins assume the role (`*` says so on purpose).
 */
export function oidcTrustOf(settings: Settings): PoliciesOptions['oidc'] {
  const issuer = nonEmpty(settings['oidc-issuer']);
  const subjects = itemsOf(settings['oidc-subject']).filter((subject) => subject !== '');
  if (issuer === undefined) {
    if (subjects.length > 0) {
      throw new UsageError(`${settings['oidc-subject']?.source}: needs --oidc-issuer`, {
        fix: 'add --oidc-issuer https://<your Jenkins>/oidc',
      });
    }
    return undefined;
  }
  const source = settings['oidc-issuer']?.source ?? '--oidc-issuer';
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {}
  if (url?.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`${source} "${issuer}": not an https URL without query; IAM takes the issuer as the tokens' iss claim says it`, {
      fix: "pass the iss of the tokens, e.g. --oidc-issuer https://ci.example.com/oidc (the OpenID Connect Provider plugin's issuer)",
    });
  }
  if (subjects.length === 0) {
    throw new UsageError(`${source}: needs --oidc-subject: without one, every job of that Jenkins could assume the role`, {
      fix: "pin the job(s): --oidc-subject https://ci.example.com/job/app/job/main/ (repeatable; '*' wildcards match as StringLike)",
    });
  }
  for (const other of ['source-account', 'source-role', 'external-id'] as const) {
    if (settings[other] !== undefined) {
      throw new UsageError(`${settings[other]?.source} with ${source}: the role trusts the issuer's tokens, not account B`, {
        fix: `drop ${settings[other]?.source}`,
      });
    }
  }
  return { issuer: issuer.replace(/\/+$/, ''), subjects };
}
