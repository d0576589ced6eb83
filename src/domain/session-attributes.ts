// What a session carries besides the role, for audit and guard rails: session tags
// (given, and derived from Jenkins' variables), the source identity, session
// policies; and the accounts a run may act in. Checked against STS's rules here,
// before any call. Pure, but for the session policy file, read through `readFile`.
import type { Environment } from './environment.ts';
import { ConfigurationError, UsageError } from './errors.ts';
import { accountOfArn } from './role-arn.ts';

export interface SessionTag {
  key: string;
  value: string;
}

/** What AssumeRole is sent besides the role, session name, duration and external ID. */
export interface SessionAttributes {
  tags: SessionTag[];
  transitiveTagKeys: string[];
  sourceIdentity: string | undefined;
  /** The session policy, as compact JSON. */
  policy: string | undefined;
  policyArns: string[];
}

export const NO_SESSION_ATTRIBUTES: SessionAttributes = {
  tags: [],
  transitiveTagKeys: [],
  sourceIdentity: undefined,
  policy: undefined,
  policyArns: [],
};

/** Whether a session asks for anything a plain AssumeRole does not. */
export const hasSessionAttributes = (session: SessionAttributes) =>
  session.tags.length > 0 || session.sourceIdentity !== undefined || session.policy !== undefined || session.policyArns.length > 0;

/** STS's limits. */
export const TAG_RULE = 'letters, digits, spaces and _.:/=+-@';
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const NOT_TAG_CHARACTERS = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]+/gu;
export const MAX_TAGS = 50;
const MAX_KEY = 128;
const MAX_VALUE = 256;
const MAX_POLICY_ARNS = 10;
/** STS's limit on the plain text of the inline session policy (it then packs it with the tags). */
export const MAX_POLICY_CHARACTERS = 2048;
export const SOURCE_IDENTITY_RULE = '2-64 characters of letters, digits and +=,.@_-';
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/;

function checkTagKey(key: string, source: string): string {
  if (key.length === 0 || key.length > MAX_KEY || !TAG_CHARACTERS.test(key)) {
    throw new UsageError(`${source} "${key}": not a valid tag key; STS takes 1-${MAX_KEY} ${TAG_RULE}`, {
      fix: 'rename the key, e.g. team or jenkins:job',
    });
  }
  if (/^aws:/i.test(key)) {
    throw new UsageError(`${source} "${key}": tag keys starting with aws: are AWS's own`, {
      fix: 'drop the aws: prefix, e.g. jenkins:job',
    });
  }
  return key;
}

function checkTagValue(key: string, value: string, source: string): string {
  if (value.length > MAX_VALUE || !TAG_CHARACTERS.test(value)) {
    throw new UsageError(`${source} ${key}: not a valid tag value; STS takes 0-${MAX_VALUE} ${TAG_RULE}`, {
      fix: `give ${key} a value made of those characters`,
    });
  }
  return value;
}

/** `KEY=VALUE` entries (--tag, or WITH_ASSUMED_ROLE_TAG's lines or commas) -> tags; a key given twice is an error. */
export function parseTags(entries: readonly string[], source = '--tag'): SessionTag[] {
  const tags: SessionTag[] = [];
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at === -1) {
      throw new UsageError(`${source} "${entry}": not KEY=VALUE`, {
        fix: `write it as ${source === '--tag' ? '--tag ' : ''}team=payments`,
      });
    }
    const key = checkTagKey(entry.slice(0, at).trim(), source);
    const value = checkTagValue(key, entry.slice(at + 1).trim(), source);
    if (tags.some((tag) => tag.key.toLowerCase() === key.toLowerCase())) {
      throw new UsageError(`${source} ${key}: given twice (tag keys are case-insensitive)`, { fix: `keep one ${key}=...` });
    }
    tags.push({ key, value });
  }
  return tags;
}

/**
 * A free-form value (a job name, a branch) mapped onto STS's tag alphabet: each run of
 * other characters becomes `-`, ends trimmed; over 256 characters, the start is cut,
 * as branch names and job paths differ at their end.
 */
export function cleanTagValue(value: string): string {
  const cleaned = value.replace(NOT_TAG_CHARACTERS, '-').trim();
  return cleaned.length <= MAX_VALUE ? cleaned : cleaned.slice(-MAX_VALUE).replace(/^[-\s]+/, '');
}

/** Jenkins variables -> tag keys, in this order. */
export const JENKINS_TAGS: readonly [string, string, (value: string) => string][] = [
  ['jenkins:job', 'JOB_NAME', (value) => value],
  ['jenkins:build', 'BUILD_NUMBER', (value) => value],
  ['jenkins:branch', 'BRANCH_NAME', (value) => value],
  ['jenkins:commit', 'GIT_COMMIT', (value) => value],
  ['jenkins:url', 'JENKINS_URL', hostOf],
  ['jenkins:node', 'NODE_NAME', (value) => value],
];

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The --jenkins-tags tags: those of JENKINS_TAGS whose variable is set, cleaned. */
export function jenkinsTags(env: Environment): SessionTag[] {
  const tags: SessionTag[] = [];
  for (const [key, variable, pick] of JENKINS_TAGS) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const value = cleanTagValue(pick(raw));
    if (value !== '') tags.push({ key, value });
  }
  return tags;
}

/**
 * Given tags over derived ones of the same key. More than 50 given is an error; derived
 * ones fill what room is left, in JENKINS_TAGS' order, and those that do not fit are
 * named in `dropped`, never sent in part.
 */
export function mergeTags(
  given: readonly SessionTag[],
  derived: readonly SessionTag[],
  source = '--tag',
): { tags: SessionTag[]; dropped: string[] } {
  if (given.length > MAX_TAGS) {
    throw new UsageError(`${source}: ${given.length} session tags; STS takes at most ${MAX_TAGS}`, {
      fix: `drop ${given.length - MAX_TAGS} of them`,
    });
  }
  const taken = new Set(given.map((tag) => tag.key.toLowerCase()));
  const candidates = derived.filter((tag) => !taken.has(tag.key.toLowerCase()));
  const room = MAX_TAGS - given.length;
  return { tags: [...given, ...candidates.slice(0, room)], dropped: candidates.slice(room).map((tag) => tag.key) };
}

/** The line saying which derived tags did not fit. */
export const droppedTagsLine = (dropped: readonly string[]) =>
  `--jenkins-tags: ${dropped.join(', ')} left out: with the given tags, that would be over the ${MAX_TAGS} STS takes`;

/** --transitive-tag keys: each one a tag of this session. */
export function checkTransitiveKeys(keys: readonly string[], tags: readonly SessionTag[], source = '--transitive-tag'): string[] {
  for (const key of keys) {
    if (!tags.some((tag) => tag.key.toLowerCase() === key.toLowerCase())) {
      throw new UsageError(`${source} ${key}: not one of this session's tags (${tags.map((tag) => tag.key).join(', ') || 'none'})`, {
        fix: `add --tag ${key}=..., or drop ${source} ${key}`,
      });
    }
  }
  return [...keys];
}

/** --source-identity: checked against STS's rule, never rewritten. */
export function checkSourceIdentity(value: string | undefined, source = '--source-identity'): string | undefined {
  if (value !== undefined && !SOURCE_IDENTITY.test(value)) {
    throw new UsageError(`${source} "${value}": not a valid source identity; STS allows ${SOURCE_IDENTITY_RULE}`, {
      fix: 'pass e.g. --source-identity alice@example.com (who is behind this session, kept through later role chaining)',
    });
  }
  return value;
}

/** --policy-arn values: managed policy ARNs, at most 10. */
export function checkPolicyArns(arns: readonly string[], source = '--policy-arn'): string[] {
  for (const arn of arns) {
    if (!POLICY_ARN.test(arn)) {
      throw new UsageError(`${source} "${arn}": not an IAM policy ARN`, {
        fix: 'pass e.g. arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::521111111144:policy/DeployS3Only',
      });
    }
  }
  if (arns.length > MAX_POLICY_ARNS) {
    throw new UsageError(`${source}: ${arns.length} managed policies; STS takes at most ${MAX_POLICY_ARNS}`, {
      fix: 'merge some into one policy, or into the inline --policy',
    });
  }
  return [...arns];
}

/**
 * --policy: inline JSON (it starts with `{`) or a file holding it. Must parse, be an
 * object with Version and Statement, and fit STS's 2048 characters once compacted.
 */
export function loadSessionPolicy(value: string | undefined, source: string, readFile: (path: string) => string): string | undefined {
  if (value === undefined) return undefined;
  const inline = value.trimStart().startsWith('{');
  let text = value;
  if (!inline) {
    try {
      text = readFile(value);
    } catch (error) {
      throw new ConfigurationError(
        `${source} ${value}: cannot read the session policy (${(error as NodeJS.ErrnoException).code ?? error})`,
        {
          fix: 'pass a readable JSON file, or the policy JSON itself',
          cause: error,
        },
      );
    }
  }
  const where = inline ? `${source} (inline JSON)` : `${source} ${value}`;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not JSON (${(error as Error).message.split('\n')[0]})`, {
      fix: 'give an IAM policy document: {"Version": "2012-10-17", "Statement": [...]}',
    });
  }
  const object = typeof document === 'object' && document !== null && !Array.isArray(document) ? (document as Record<string, unknown>) : {};
  const missing = ['Version', 'Statement'].filter((key) => !(key in object));
  if (missing.length > 0) {
    throw new UsageError(`${where}: not an IAM policy document, no ${missing.join(' or ')}`, {
      fix: 'give an IAM policy document: {"Version": "2012-10-17", "Statement": [...]}',
    });
  }
  const compact = JSON.stringify(document);
  if (compact.length > MAX_POLICY_CHARACTERS) {
    throw new UsageError(`${where}: ${compact.length} characters, over STS's ${MAX_POLICY_CHARACTERS} for a session policy`, {
      fix: 'trim it, or move statements into a managed policy passed with --policy-arn',
    });
  }
  return compact;
}

/**
 * --allowed-account: `arn` (the role to assume, or the assumed role STS answered)
 * must be in one of them. `when` says which check this is, for the message.
 */
export function checkAllowedAccount(arn: string, allowed: readonly string[], when: 'before' | 'after'): void {
  if (allowed.length === 0) return;
  const account = accountOfArn(arn);
  if (allowed.includes(account)) return;
  const list = allowed.join(', ');
  if (when === 'before') {
    throw new ConfigurationError(`${arn}: account ${account} is not an allowed account (${list}); STS not called`, {
      fix: 'check --role-arn (or --account); if this account is meant, add it with --allowed-account',
    });
  }
  throw new ConfigurationError(`STS answered for ${arn}, in account ${account}, not an allowed account (${list}); credentials discarded`, {
    fix: 'check --endpoint-url and AWS_ENDPOINT_URL_STS: the endpoint is not the STS of the role asked for',
  });
}

/** Session attributes given in code (the library): the same checks as the CLI's. */
export function checkSessionAttributes(given: Partial<SessionAttributes> | undefined): SessionAttributes {
  if (given === undefined) return NO_SESSION_ATTRIBUTES;
  const { tags } = mergeTags(
    parseTags(
      (given.tags ?? []).map((tag) => `${tag.key}=${tag.value}`),
      'tags',
    ),
    [],
    'tags',
  );
  return {
    tags,
    transitiveTagKeys: checkTransitiveKeys(given.transitiveTagKeys ?? [], tags, 'transitiveTagKeys'),
    sourceIdentity: checkSourceIdentity(given.sourceIdentity, 'sourceIdentity'),
    policy: given.policy === undefined ? undefined : loadSessionPolicy(given.policy, 'policy', () => given.policy as string),
    policyArns: checkPolicyArns(given.policyArns ?? [], 'policyArns'),
  };
}
