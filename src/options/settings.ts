// Settings from three places, merged by precedence: flags > environment > env files.

import { delimiter } from 'node:path';
import type { Environment } from '../domain/environment.ts';
import { UsageError } from '../domain/errors.ts';
import { type CommandName, ENV_PREFIX, envVarName, OPTIONS, type OptionName, type OptionSpec, optionsOf } from './definitions.ts';

export type SettingValue = string | boolean | string[];
/** Where a setting came from: a flag, the Jenkins step's parameters (as flags), the environment, an env file. */
export type SettingOrigin = 'flag' | 'step' | 'environment' | 'env-file';

export interface Setting {
  value: SettingValue;
  origin: SettingOrigin;
  /** Where to point a user at: `--region`, `WITH_ASSUMED_ROLE_REGION`, `ci.env: WITH_ASSUMED_ROLE_REGION`. */
  source: string;
}

export type Settings = Partial<Record<OptionName, Setting>>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

function parseSettingValue(spec: OptionSpec, raw: string, source: string): SettingValue {
  if (spec.type === 'boolean') {
    const text = raw.trim().toLowerCase();
    if (TRUE.has(text)) return true;
    if (FALSE.has(text)) return false;
    throw new UsageError(`${source}="${raw}": not a boolean; use true or false`, { fix: `set ${source}=true or ${source}=false` });
  }
  // One item per line, else separated as the option says (the Jenkins step writes lists one per line).
  if (spec.type === 'array')
    return raw.split(raw.includes('\n') ? /\r?\n/ : (spec.separator ?? delimiter)).filter((item) => item.trim() !== '');
  return raw;
}

const KNOWN = new Map<string, OptionName>((Object.keys(OPTIONS) as OptionName[]).map((name) => [envVarName(name), name]));

/**
 * The command's settings found in `variables` under the prefix. Unknown prefixed
 * names are errors (a typo must not be ignored); names of other commands' options are skipped.
 */
export function settingsFromVariables(
  command: CommandName,
  variables: Environment,
  origin: Exclude<SettingOrigin, 'flag'>,
  label?: string,
): Settings {
  const own = new Map(optionsOf(command));
  const settings: Settings = {};
  for (const [variable, raw] of Object.entries(variables)) {
    if (!variable.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const source = label === undefined ? variable : `${label}: ${variable}`;
    const name = KNOWN.get(variable);
    if (name === undefined) {
      throw new UsageError(`${source}: not a withAssumedRole setting`, {
        fix: `check the spelling; settings are ${ENV_PREFIX}<FLAG>, e.g. ${envVarName('role-arn')}`,
      });
    }
    const spec = own.get(name);
    if (spec === undefined || (origin === 'env-file' && name === 'env-file')) continue;
    settings[name] = { value: parseSettingValue(spec, raw, source), origin, source };
  }
  return settings;
}

/** Settings from parsed flags (yargs' camelCase keys are ignored; only given flags count). */
export function settingsFromFlags(command: CommandName, flags: Readonly<Record<string, unknown>>): Settings {
  const settings: Settings = {};
  for (const [name] of optionsOf(command)) {
    const value = flags[name];
    if (value === undefined) continue;
    settings[name] = { value: value as SettingValue, origin: 'flag', source: `--${name}` };
  }
  return settings;
}

/** Flags over environment over files; later files over earlier ones. */
export function mergeSettings(flags: Settings, environment: Settings, files: readonly Settings[]): Settings {
  return Object.assign({}, ...files, environment, flags) as Settings;
}
