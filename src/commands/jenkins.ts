// The Jenkins step's parts (jenkins/vars/withAssumedRole.groovy), each one `sh` step:
// `begin` before a block's body (check the agent, assume, serve the profile, start the
// refresh), `end` after it (report, stop, remove), `run` the command form (all in one).
// The step passes its parameters as one JSON document (JENKINS_WITH_ASSUMED_ROLE_PARAMETERS) and runs nothing but
// this; every rule and message lives here, where tests reach them.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateFolder, removePrivateFolder } from '../child/private-folder.ts';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError, InternalError } from '../domain/errors.ts';
import { droppedTagsLine } from '../domain/session-attributes.ts';
import { VERSION } from '../domain/version.ts';
import type { ExecOptions, JenkinsOptions, ServeOptions } from '../options/command-options.ts';
import { reproductionLine } from '../options/reproduce.ts';
import { resolveOptions } from '../options/resolve-options.ts';
import type { Settings } from '../options/settings.ts';
import { readStepCall, type StepCall } from '../options/step-parameters.ts';
import { createReporter, describeAssumed, type Reporter, versionedFirstLine } from '../output/reporter.ts';
import { chooseBodyMode, serveBlock } from '../serve/block-mode.ts';
import { checkServeFolder } from '../serve/serve-folder.ts';
import { stopServing } from '../serve/stop-serving.ts';
import type { CommandIo } from './command-io.ts';
import { execCommand } from './exec.ts';

/** What the step sets for its own sh steps: never passed on to a command, a body or the refresh. */
const STEP_PREFIX = 'JENKINS_WITH_ASSUMED_ROLE_';

/** The variables the block's body clears: the step hands the pipeline's own values under JENKINS_WITH_ASSUMED_ROLE_PIPELINE_<name>. */
export const PIPELINE_SOURCE = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] as const;

const withoutStep = (env: Environment): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith(STEP_PREFIX)));

/**
 * The environment the CLI takes its source credentials from: the `begin` step's own
 * (the agent process's under the pipeline's, with what the body clears cleared) with
 * the pipeline's values of those put back. withEnv expanded `$NAME` for them; a name
 * set nowhere stays as written, and means unset.
 */
export function pipelineSource(env: Environment): Record<string, string | undefined> {
  const source = withoutStep(env);
  for (const name of PIPELINE_SOURCE) {
    const value = env[`${STEP_PREFIX}PIPELINE_${name}`];
    if (value !== undefined && value !== '' && value !== `$${name}`) source[name] = value;
  }
  return source;
}

/** The step's parameters, for the form it is in. */
function stepCall(env: Environment, form: StepCall['form']): StepCall {
  const json = env.JENKINS_WITH_ASSUMED_ROLE_PARAMETERS;
  if (json === undefined) {
    throw new ConfigurationError('jenkins: not run by the withAssumedRole step (no JENKINS_WITH_ASSUMED_ROLE_PARAMETERS)', {
      fix: "this part of the CLI is the Jenkins step's own; run withAssumedRole [options] -- <command> instead",
    });
  }
  return readStepCall(json, form);
}

/** The id token the step bound (oidcCredentialsId), copied into `folder` (0600) for the CLI alone; its path, as a setting. */
function copyIdToken(env: Environment, folder: string): Settings {
  const copy = join(folder, 'web-identity-token');
  if (env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN !== undefined) writeFileSync(copy, env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN, { mode: 0o600 });
  else if (env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN_FILE !== undefined) copyFileSync(env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN_FILE, copy);
  else return {};
  return { 'web-identity-token-file': { value: copy, origin: 'step', source: 'oidcCredentialsId' } };
}

/** Before the body: the check of what the body would see, the role assumed, the profile served, the refresh started. */
async function begin(env: Environment, reporter: Reporter): Promise<number> {
  const call = stepCall(env, 'block');
  const folder = env.JENKINS_WITH_ASSUMED_ROLE_FOLDER;
  if (folder === undefined || !folder.startsWith('/')) throw new InternalError('jenkins begin: no step folder', { fix: 'report it' });
  mkdirSync(join(folder, '..'), { recursive: true });
  mkdirSync(folder, { mode: 0o700 });
  try {
    const dir = checkServeFolder(folder, 'the step folder');
    const settings: Settings = { ...call.settings, ...copyIdToken(env, dir), dir: { value: dir, origin: 'step', source: 'the step' } };
    const source = pipelineSource(env);
    const options = (await resolveOptions('serve', settings, { env: source, commandArgv: [], argv: [] })) as ServeOptions;
    const target = options.target;
    if (target === undefined) throw new InternalError('jenkins begin: no role after normalization', { fix: 'report it' });
    const keyless = options.source.webIdentityTokenFile !== undefined;
    const check = chooseBodyMode(withoutStep(env), options.credentials, { target, keyless }, reporter.info);
    if (target.droppedTags.length > 0) reporter.info(droppedTagsLine(target.droppedTags));
    const served = await serveBlock(dir, check, { ...options, target }, source, reporter.verbose);
    const until = describeAssumed(served.assumedRoleArn, served.expiration);
    reporter.info(
      served.mode === 'source'
        ? `the block's AWS tools assume ${target.roleArn} themselves, from ${served.sourceLabel}, refreshed (checked: ${until})`
        : `assumed ${until}; the block's AWS tools get it from a profile, refreshed until the block ends`,
    );
    reporter.info(reproductionLine(options.reproduction, "'<the block's commands>'"));
    return 0;
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

/** After the body, whatever happened: what the refresh had to report, the refresh stopped, the folder gone. */
function end(env: Environment): number {
  const folder = env.JENKINS_WITH_ASSUMED_ROLE_FOLDER;
  if (folder === undefined || !folder.startsWith('/')) return 0;
  const { log } = stopServing(folder, withoutStep(env));
  if (log.trim() !== '') process.stderr.write(log.endsWith('\n') ? log : `${log}\n`);
  return 0;
}

/** The command form: the command run with the role's credentials, its output masked, its status passed back. */
async function run(env: Environment, io: CommandIo): Promise<number> {
  const call = stepCall(env, 'command');
  const commandEnv = withoutStep(env);
  const settings: Settings = { ...call.settings, mask: { value: true, origin: 'step', source: 'the command form' } };
  // A text token needs a file for the CLI: private, and gone when this process is, however it ends but SIGKILL.
  let tokenFolder: string | undefined;
  if (env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN !== undefined) {
    tokenFolder = makePrivateFolder();
    Object.assign(settings, copyIdToken(env, tokenFolder));
  } else if (env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN_FILE !== undefined) {
    settings['web-identity-token-file'] = {
      value: env.JENKINS_WITH_ASSUMED_ROLE_ID_TOKEN_FILE,
      origin: 'step',
      source: 'oidcCredentialsId',
    };
  }
  const options = (await resolveOptions('exec', settings, {
    env: commandEnv,
    commandArgv: ['/bin/sh', '-c', call.command as string],
    argv: [],
  })) as ExecOptions;
  try {
    return await execCommand(options, { ...io, env: commandEnv }, { version: VERSION });
  } finally {
    if (tokenFolder !== undefined) removePrivateFolder(tokenFolder);
  }
}

export async function jenkinsCommand(options: JenkinsOptions, io: CommandIo): Promise<number> {
  // The step's first line names the version of the CLI it ships.
  const reporter = createReporter(options.verbosity, versionedFirstLine(VERSION));
  switch (options.action) {
    case 'begin':
      return begin(io.env, reporter);
    case 'end':
      return end(io.env);
    case 'run':
      return run(io.env, io);
  }
}
