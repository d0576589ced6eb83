import { describe, expect, it } from 'vitest';
import {
  checkAllowedAccount,
  checkSessionAttributes,
  cleanTagValue,
  jenkinsTags,
  loadSessionPolicy,
  mergeTags,
  parseTags,
} from '../../../src/domain/session-attributes.ts';

const noFile = (path: string): string => {
  throw Object.assign(new Error(path), { code: 'ENOENT' });
};

describe('tags', () => {
  it('KEY=VALUE, the value may hold = and be empty; keys unique regardless of case', () => {
    expect(parseTags(['a=b=c', 'empty=', ' spaced key = v '])).toEqual([
      { key: 'a', value: 'b=c' },
      { key: 'empty', value: '' },
      { key: 'spaced key', value: 'v' },
    ]);
    expect(() => parseTags(['a=1', 'A=2'])).toThrow('--tag A: given twice');
    expect(() => parseTags([`${'k'.repeat(129)}=v`])).toThrow('not a valid tag key');
    expect(() => parseTags([`k=${'v'.repeat(257)}`])).toThrow('not a valid tag value');
    expect(() => parseTags(['AWS:x=1'])).toThrow("tag keys starting with aws: are AWS's own");
  });

  it('cleans free-form values deterministically, keeping the tail when cut', () => {
    expect(cleanTagValue('team/app main #3')).toBe('team/app main -3');
    expect(cleanTagValue('a\t<b>\nc')).toBe('a-b-c');
    expect(cleanTagValue('ünïcode ok')).toBe('ünïcode ok');
    const long = `${'a'.repeat(300)}-END`;
    expect(cleanTagValue(long)).toBe(long.slice(-256));
  });

  it("takes Jenkins' variables that are set, in a fixed order; JENKINS_URL's host only", () => {
    expect(jenkinsTags({ NODE_NAME: 'n', JOB_NAME: 'j', JENKINS_URL: 'https://ci.example.com:8443/x/', BUILD_NUMBER: ' ' })).toEqual([
      { key: 'jenkins:job', value: 'j' },
      { key: 'jenkins:url', value: 'ci.example.com:8443' },
      { key: 'jenkins:node', value: 'n' },
    ]);
  });

  it('given tags win over derived ones; derived ones fill the room left under 50', () => {
    const given = parseTags(Array.from({ length: 49 }, (_, index) => `k${index}=v`));
    const derived = [
      { key: 'K0', value: 'derived' },
      { key: 'jenkins:job', value: 'j' },
      { key: 'jenkins:build', value: '1' },
    ];
    const { tags, dropped } = mergeTags(given, derived);
    expect(tags).toHaveLength(50);
    expect(tags.at(-1)).toEqual({ key: 'jenkins:job', value: 'j' });
    expect(dropped).toEqual(['jenkins:build']);
    expect(() => mergeTags(parseTags(Array.from({ length: 51 }, (_, index) => `k${index}=v`)), [])).toThrow(
      '--tag: 51 session tags; STS takes at most 50',
    );
  });
});

describe('session policy', () => {
  const policy = { Version: '2012-10-17', Statement: [] };
  it('inline or from a file, compacted', () => {
    expect(loadSessionPolicy(' {"Version": "2012-10-17", "Statement": []}', '--policy', noFile)).toBe(JSON.stringify(policy));
    expect(loadSessionPolicy('p.json', '--policy', () => JSON.stringify(policy, null, 4))).toBe(JSON.stringify(policy));
  });

  it('refuses what is not a policy document, or too long', () => {
    expect(() => loadSessionPolicy('p.json', '--policy', noFile)).toThrow('--policy p.json: cannot read the session policy (ENOENT)');
    expect(() => loadSessionPolicy('{"Statement": []}', '--policy', noFile)).toThrow('no Version');
    expect(() => loadSessionPolicy('[1]', 'WITH_ASSUMED_ROLE_POLICY', () => '[1]')).toThrow('no Version or Statement');
    const long = JSON.stringify({ ...policy, Statement: [{ Sid: 'x'.repeat(2100) }] });
    expect(() => loadSessionPolicy(long, '--policy', noFile)).toThrow("over STS's 2048 for a session policy");
  });
});

describe('allowed accounts', () => {
  it('none listed: anything goes; listed: the ARN account must be one', () => {
    expect(() => checkAllowedAccount('arn:aws:iam::111111111111:role/R', [], 'before')).not.toThrow();
    expect(() => checkAllowedAccount('arn:aws:iam::111111111111:role/R', ['111111111111'], 'before')).not.toThrow();
    expect(() => checkAllowedAccount('arn:aws:sts::222222222222:assumed-role/R/s', ['111111111111'], 'after')).toThrow(
      'in account 222222222222, not an allowed account (111111111111); credentials discarded',
    );
  });
});

it('the library checks what code gives as the CLI checks its flags', () => {
  expect(checkSessionAttributes({ tags: [{ key: 'team', value: 'x' }], transitiveTagKeys: ['team'] }).transitiveTagKeys).toEqual(['team']);
  expect(() => checkSessionAttributes({ sourceIdentity: 'a' })).toThrow('sourceIdentity "a": not a valid source identity');
  expect(() => checkSessionAttributes({ transitiveTagKeys: ['x'] })).toThrow("transitiveTagKeys x: not one of this session's tags");
});
