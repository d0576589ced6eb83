import { type Environment, isJenkins } from './environment.ts';
import { UsageError } from './errors.ts';

/** STS's rule for RoleSessionName. */
export const SESSION_NAME_RULE = '2-64 characters of letters, digits and +=,.@_-';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MAX_LENGTH = 64;

/** Checks a given --session-name against STS's rule; never rewrites it. */
export function validateSessionName(name: string): string {
  if (!SESSION_NAME.test(name)) {
    throw new UsageError(`--session-name "${name}": not a valid role session name; STS allows ${SESSION_NAME_RULE}`, {
      fix: 'pick a name that fits, e.g. --session-name project-dev-hotfix, or leave it out to have one derived',
    });
  }
  return name;
}

export interface SessionNameContext {
  /** The process environment: Jenkins' JENKINS_URL, BUILD_ID, JOB_NAME, BUILD_NUMBER. */
  env: Environment;
  /** The local user, for names outside Jenkins. */
  username: string;
  /** The current directory's name, the project when neither --project nor JOB_NAME gives one. */
  directoryName: string;
}

const _present = (value: string | undefined): value is string => value !== undefined && value !== '';

/** Maps a free-form part (job names hold '/', spaces, '#') onto the STS alphabet. */
export function cleanSessionNamePart(part: string): string {
  return part
    .replace(/[^\w+=,.@-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

export interface SessionNameInputs {
  project?: string | undefined;
  environment?: string | undefined;
}

/**
 * `<project>-<environment>-jenkins-<build number>` under Jenkins,
 * `<project>-<environment>-local-<user>` elsewhere; cleaned to the STS alphabet and
 * cut to 64 characters from the project's end, so the distinguishing tail survives.
 */
export function deriveSessionName(inputs: SessionNameInputs, context: SessionNameContext): string {
  const jenkins = isJenkins(context.env);
  const project = inputs.project ?? (jenkins ? context.env.JOB_NAME : undefined) ?? context.directoryName;
  const runner = jenkins ? 'jenkins' : 'local';
  const id = jenkins ? context.env.BUILD_NUMBER || context.env.BUILD_ID || 'build' : context.username;
  const head = cleanSessionNamePart(project);
  const tail = [inputs.environment ?? '', runner, id]
    .map(cleanSessionNamePart)
    .filter((part) => part !== '')
    .join('-');
  const whole = head === '' ? tail : `${head}-${tail}`;
  if (whole.length <= MAX_LENGTH) return whole;
  const room = MAX_LENGTH - tail.length - 1;
  if (room >= 1) return `${head.slice(0, room).replace(/-+$/, '')}-${tail}`;
  return whole.slice(-MAX_LENGTH).replace(/^[-]+/, '');
}
