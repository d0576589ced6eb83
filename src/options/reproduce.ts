// The same run elsewhere: the CLI line a person pastes on a laptop to reproduce a
// Jenkins step, and the step call a dry run's line would be in a Jenkinsfile. From
// the settings that were given (flags and WITH_ASSUMED_ROLE_* variables; env files
// by name), never a secret. Pure.

import { parseProxy, redactProxy } from '../aws/proxy-rules.ts';
import { shellQuote } from '../output/shell-words.ts';
import { OPTIONS, type OptionName } from './definitions.ts';
import type { Settings, SettingValue } from './settings.ts';
import { STEP_PARAMETERS } from './step-parameters.ts';

/** Settings that describe this machine or this run only, so a reproduction leaves them out. */
const LOCAL_ONLY = new Set<OptionName>([
  'session-name',
  'mask',
  'dry-run',
  'dir',
  'check',
  'background',
  'credentials',
  'verbose',
  'quiet',
  // The company network's: a laptop reaches AWS its own way.
  'proxy',
  'ca-bundle',
  // Who is behind the session: a person reproducing a run is not the pipeline.
  'source-identity',
  // The build's id token: a laptop assumes the role its own way (docs/oidc.md).
  'web-identity-token-file',
  // A person's own: their MFA device and code, their session cache.
  'mfa-serial',
  'mfa-code',
  'session-cache',
]);

const ORDER = Object.keys(OPTIONS);

/** The settings given as flags or WITH_ASSUMED_ROLE_* variables, in the options' order (not the environment's). */
const given = (settings: Settings) =>
  (Object.entries(settings) as [OptionName, { value: SettingValue; origin: string }][])
    .filter(([, setting]) => setting.origin !== 'env-file')
    .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b));

function flagsOf(name: OptionName, value: SettingValue): string[] {
  if (typeof value === 'boolean') return [value ? `--${name}` : `--no-${name}`];
  if (Array.isArray(value)) return value.flatMap((item) => [`--${name}`, item]);
  return [`--${name}`, value];
}

/**
 * The wrapper's arguments that reproduce this run elsewhere: what was given, env files
 * by name, and the project the session name was derived from, so that CloudTrail
 * shows `<project>-<environment>-local-<user>` for it.
 */
export function reproductionArguments(settings: Settings, derivedProject: string | undefined): string[] {
  const args: string[] = [];
  for (const [name, setting] of given(settings)) {
    if (!LOCAL_ONLY.has(name)) args.push(...flagsOf(name, setting.value));
  }
  if (settings.project === undefined && settings['session-name'] === undefined && derivedProject !== undefined) {
    args.push('--project', derivedProject);
  }
  return args;
}

/**
 * `reproduce locally: withAssumedRole ... -- <command>  # ...`: runnable as printed, the
 * comment saying whose credentials it takes and where an MFA code would be asked.
 */
export function reproductionLine(args: readonly string[], command: readonly string[] | string): string {
  const tail = typeof command === 'string' ? command : command.map(shellQuote).join(' ');
  return `reproduce locally: withAssumedRole ${args.map(shellQuote).join(' ')} -- ${tail}  ${REPRODUCTION_NOTE}`;
}

/** The comment a reproduce line ends with. */
export const REPRODUCTION_NOTE = '# your credentials (AWS_PROFILE); an MFA code is asked if your profile has mfa_serial';

/** A Groovy single-quoted string. */
const groovyString = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;

function groovyValue(value: SettingValue): string {
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 1 ? groovyString(value[0] as string) : `[${value.map(groovyString).join(', ')}]`;
  return groovyString(value);
}

/** `--tag k=v` entries as the step's `tags` map: `['k': 'v']`. */
function groovyMap(value: SettingValue): string {
  const entries = (Array.isArray(value) ? value : [String(value)]).map((entry) => {
    const at = entry.indexOf('=');
    return `${groovyString(entry.slice(0, at).trim())}: ${groovyString(entry.slice(at + 1).trim())}`;
  });
  return `[${entries.join(', ')}]`;
}

/** A --proxy value as it may be printed: without its password. */
function shownProxy(value: SettingValue): SettingValue {
  if (typeof value !== 'string') return value;
  try {
    return redactProxy(parseProxy(value, '--proxy'));
  } catch {
    return '****';
  }
}

/** In the step, a token file is the id token of a Jenkins credential: its id is not known here. */
export const OIDC_CREDENTIALS_PLACEHOLDER = 'the-id-of-your-oidc-credentials';

/** The step call a dry run describes: `withAssumedRole(roleArn: '...', ..., command: '...')`. */
export function stepCall(settings: Settings, command: readonly string[]): string {
  const parameters = given(settings)
    .filter(([name]) => STEP_PARAMETERS[name] !== undefined && name !== 'credentials')
    .map(([name, setting]) => {
      const value = name === 'proxy' ? shownProxy(setting.value) : setting.value;
      return `${STEP_PARAMETERS[name]}: ${name === 'tag' ? groovyMap(value) : groovyValue(value)}`;
    });
  const keyless = given(settings).some(([name]) => name === 'web-identity-token-file')
    ? [`oidcCredentialsId: ${groovyString(OIDC_CREDENTIALS_PLACEHOLDER)}`]
    : [];
  return `withAssumedRole(${[...parameters, ...keyless, `command: ${groovyString(command.map(shellQuote).join(' '))}`].join(', ')})`;
}
