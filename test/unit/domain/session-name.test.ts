import { describe, expect, it } from 'vitest';
import { isJenkins } from '../../../src/domain/environment.ts';
import { cleanSessionNamePart, deriveSessionName, validateSessionName } from '../../../src/domain/session-name.ts';

const local = { env: {}, username: 'alice', directoryName: 'repo' };
const jenkins = (env: Record<string, string>) => ({
  env: { JENKINS_URL: 'https://ci/', ...env },
  username: 'jenkins',
  directoryName: 'workspace',
});

describe('deriveSessionName', () => {
  it.each([
    [{ project: 'project', environment: 'dev' }, local, 'project-dev-local-alice'],
    [{ project: 'project' }, local, 'project-local-alice'],
    [{}, local, 'repo-local-alice'],
    [{ project: 'project', environment: 'dev' }, jenkins({ BUILD_NUMBER: '42', JOB_NAME: 'x' }), 'project-dev-jenkins-42'],
    [{ environment: 'prod' }, jenkins({ BUILD_NUMBER: '7', JOB_NAME: 'team/app/main' }), 'team-app-main-prod-jenkins-7'],
    [{ environment: 'prod' }, jenkins({ BUILD_NUMBER: '7', JOB_NAME: 'My Job #2 (nightly)' }), 'My-Job-2-nightly-prod-jenkins-7'],
    [{ project: 'p' }, { env: { BUILD_ID: '9' }, username: 'u', directoryName: 'd' }, 'p-jenkins-9'],
    [{ project: 'p', environment: 'dev' }, { env: { JOB_NAME: 'j' }, username: 'u', directoryName: 'd' }, 'p-dev-jenkins-build'],
    [{ project: 'p', environment: 'dev' }, { ...local, username: 'Jane Doe' }, 'p-dev-local-Jane-Doe'],
  ])('%j in %j -> %s', (inputs, context, expected) => {
    expect(deriveSessionName(inputs, context)).toBe(expected);
  });

  it('cuts long names from the project end, keeping the distinguishing tail', () => {
    const name = deriveSessionName({ project: 'a'.repeat(80), environment: 'staging' }, jenkins({ BUILD_NUMBER: '12345' }));
    expect(name).toHaveLength(64);
    expect(name.endsWith('-staging-jenkins-12345')).toBe(true);
    expect(name.startsWith('aaaa')).toBe(true);
  });

  it('keeps the last 64 characters when even the tail is too long, and never starts with a dash', () => {
    const name = deriveSessionName({ project: 'p', environment: 'e'.repeat(70) }, local);
    expect(name).toHaveLength(64 - 0);
    expect(name.endsWith('-local-alice')).toBe(true);
    expect(name).toMatch(/^[\w+=,.@][\w+=,.@-]*$/);
  });

  it('always derives a name STS accepts', () => {
    for (const job of ['a/b/c', '###', 'x'.repeat(200), 'ümlaut job', 'a--b', '-lead']) {
      const name = deriveSessionName({ environment: 'dev' }, jenkins({ BUILD_NUMBER: '1', JOB_NAME: job }));
      expect(validateSessionName(name)).toBe(name);
    }
  });
});

describe('validateSessionName', () => {
  it.each(['ab', 'project-dev-jenkins-42', 'a@b.c=d,e+f_g', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(validateSessionName(name)).toBe(name);
  });
  it.each(['a', 'x'.repeat(65), 'has space', 'slash/name', 'hash#1', ''])('refuses %j with the rule, exit 64', (name) => {
    expect(() => validateSessionName(name)).toThrowError(
      expect.objectContaining({ exitCode: 64, message: expect.stringContaining('2-64 characters') }),
    );
  });
});

describe('helpers', () => {
  it.each([
    ['team/app main', 'team-app-main'],
    ['--x--', 'x'],
    ['a@b', 'a@b'],
  ])('cleanSessionNamePart(%j) = %j', (part, expected) => expect(cleanSessionNamePart(part)).toBe(expected));

  it.each([
    [{ JENKINS_URL: 'u' }, true],
    [{ BUILD_ID: '1' }, true],
    [{ JOB_NAME: 'j' }, true],
    [{ JENKINS_URL: '' }, false],
    [{ CI: 'true' }, false],
  ])('isJenkins(%j) = %s', (env, expected) => expect(isJenkins(env)).toBe(expected));
});
