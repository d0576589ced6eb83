// The Jenkins step's parameters, as the step hands them over: one JSON document (the
// Groovy's JsonOutput.toJson of its map), read and checked here rather than in Groovy,
// where no test reaches the rules. Each parameter becomes the setting of the CLI
// option it maps onto, named after the parameter in messages; the step's own
// (command, returnStatus, node, cli, oidcCredentialsId) are checked here too. Pure.
import { UsageError } from '../domain/errors.ts';
import type { OptionName } from './definitions.ts';
import type { Setting, Settings, SettingValue } from './settings.ts';

/** CLI option -> the step's parameter (jenkins/vars/withAssumedRole.groovy passes them by these names). */
export const STEP_PARAMETERS: Partial<Record<OptionName, string>> = {
  'role-arn': 'roleArn',
  role: 'role',
  account: 'account',
  'session-name': 'sessionName',
  project: 'project',
  environment: 'environment',
  duration: 'duration',
  region: 'region',
  'external-id': 'externalId',
  profile: 'profile',
  credentials: 'credentials',
  refresh: 'refresh',
  'refresh-limit': 'refreshLimit',
  'env-file': 'envFile',
  proxy: 'proxy',
  tag: 'tags',
  'transitive-tag': 'transitiveTags',
  'jenkins-tags': 'jenkinsTags',
  'source-identity': 'sourceIdentity',
  'allowed-account': 'allowedAccounts',
  policy: 'policy',
  'policy-arn': 'policyArns',
  'assume-timeout': 'assumeTimeout',
  via: 'via',
};

/** Parameters of the step itself, not of the CLI. */
export const STEP_ONLY = ['command', 'returnStatus', 'node', 'cli', 'oidcCredentialsId'] as const;

export type StepForm = 'block' | 'command';

export interface StepCall {
  form: StepForm;
  /** The CLI settings the parameters give, at the precedence of flags. */
  settings: Settings;
  command: string | undefined;
  returnStatus: boolean;
  /** oidcCredentialsId: the step binds the token; the CLI only reports the id. */
  oidcCredentialsId: string | undefined;
}

const OPTION_OF = new Map(Object.entries(STEP_PARAMETERS).map(([option, parameter]) => [parameter as string, option as OptionName]));
const LISTS = new Set<OptionName>(['env-file', 'transitive-tag', 'allowed-account', 'policy-arn', 'tag', 'via']);
const FLAGS = new Set<OptionName>(['refresh', 'jenkins-tags']);

const parameterError = (name: string, what: string, fix: string) => new UsageError(`${name} parameter: ${what}`, { fix });

/** One parameter's value as the setting of its option: lists as lists, tags (a map) as KEY=VALUE items. */
function settingValue(name: string, option: OptionName, value: unknown): SettingValue {
  const scalar = (item: unknown): string => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw parameterError(name, `${JSON.stringify(item)} is not a text`, `give ${name} as a string, e.g. ${name}: '...'`);
  };
  if (FLAGS.has(option)) {
    if (typeof value === 'boolean') return value;
    return scalar(value);
  }
  if (option === 'tag' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).map(([key, tag]) => `${key}=${scalar(tag)}`);
  }
  if (LISTS.has(option)) return (Array.isArray(value) ? value : [value]).map(scalar);
  if (Array.isArray(value)) {
    throw parameterError(name, 'is a list, where one value is taken', `give ${name} one value, e.g. ${name}: '...'`);
  }
  return scalar(value);
}

/** Reads the step's parameters (WAR_STEP) for the form the step is in: unknown names, and combinations that mean nothing, are errors. */
export function readStepCall(json: string, form: StepForm): StepCall {
  let parameters: Record<string, unknown>;
  try {
    parameters = JSON.parse(json) as Record<string, unknown>;
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new Error('not a map');
  } catch {
    throw new UsageError('withAssumedRole: the step passed no parameters the CLI can read', {
      fix: 'use the step and the CLI of one version of the library (the step ships its own CLI unless cli: is given)',
    });
  }
  const allowed = [...OPTION_OF.keys(), ...STEP_ONLY];
  const settings: Settings = {};
  for (const [name, value] of Object.entries(parameters)) {
    if (value === null || value === undefined) continue;
    const option = OPTION_OF.get(name);
    if (option === undefined) {
      if ((STEP_ONLY as readonly string[]).includes(name)) continue;
      throw new UsageError(`unknown parameter '${name}'; allowed: ${allowed.join(', ')}`, {
        fix: 'check the spelling against the step help (jenkins/vars/withAssumedRole.txt)',
      });
    }
    const setting: Setting = { value: settingValue(name, option, value), origin: 'step', source: `${name}` };
    settings[option] = setting;
  }
  const command = parameters.command === undefined || parameters.command === null ? undefined : String(parameters.command);
  const given = (name: string) => parameters[name] !== undefined && parameters[name] !== null;
  if (form === 'block' && command !== undefined) {
    throw new UsageError('give a block or command:, not both', {
      fix: "withAssumedRole(...) { sh '...' }, or withAssumedRole(..., command: '...')",
    });
  }
  if (form === 'command' && (command === undefined || command.trim() === '')) {
    throw new UsageError("give a block { ... } or command: '...'", {
      fix: "withAssumedRole(...) { sh '...' }, or withAssumedRole(..., command: '...')",
    });
  }
  if (form === 'block') {
    if (given('returnStatus')) {
      throw new UsageError('returnStatus applies to command: only; a block returns what its last step returns', {
        fix: 'drop returnStatus',
      });
    }
    if (given('refresh')) {
      throw new UsageError("refresh applies to command: only; a block's credentials always refresh", { fix: 'drop refresh' });
    }
  }
  if (form === 'command' && given('credentials')) {
    throw new UsageError('credentials applies to a block only; command: builds its environment itself', { fix: 'drop credentials' });
  }
  if (given('oidcCredentialsId') && parameters.credentials === 'source') {
    throw new UsageError("credentials: 'source' with oidcCredentialsId: there are no source credentials", { fix: 'leave credentials out' });
  }
  return {
    form,
    settings,
    command,
    returnStatus: parameters.returnStatus === true,
    oidcCredentialsId: given('oidcCredentialsId') ? String(parameters.oidcCredentialsId) : undefined,
  };
}
