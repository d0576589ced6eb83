import { describe, expect, it } from 'vitest';
import { isFresh, sameRequest } from '../../../src/credentials/credential-cache.ts';

const at = (iso: string) => Date.parse(iso);
const issued = (lifetimeMinutes: number) => ({
  accessKeyId: 'a',
  secretAccessKey: 's',
  sessionToken: 't',
  assumedRoleArn: 'arn',
  issuedAt: '2026-11-28T10:00:00.000Z',
  expiration: new Date(at('2026-11-28T10:00:00.000Z') + lifetimeMinutes * 60_000).toISOString(),
});

describe('credential cache rules', () => {
  it.each([
    [60, '2026-11-28T10:44:00Z', true],
    [60, '2026-11-28T10:46:00Z', false],
    [15, '2026-11-28T10:07:00Z', true],
    [15, '2026-11-28T10:08:00Z', false],
    [60, '2026-11-28T11:01:00Z', false],
  ])('credentials living %d min are fresh at %s: %s', (minutes, now, fresh) => {
    expect(isFresh(issued(minutes), at(now))).toBe(fresh);
  });

  it('compares requests on what changes the credentials', () => {
    const request = { roleArn: 'arn:aws:iam::1:role/r', sessionName: 's', durationSeconds: 3600, assumeTimeoutSeconds: 60 };
    expect(sameRequest(request, { ...request, assumeTimeoutSeconds: 5 })).toBe(true);
    expect(sameRequest(request, { ...request, sessionName: 'other' })).toBe(false);
    expect(sameRequest(request, { ...request, externalId: 'x' })).toBe(false);
    expect(sameRequest(request, { ...request, webIdentityTokenFile: '/run/token' })).toBe(false);
    const tagged = {
      tags: [{ key: 'team', value: 'a' }],
      transitiveTagKeys: [],
      sourceIdentity: undefined,
      policy: undefined,
      policyArns: [],
    };
    expect(sameRequest(request, { ...request, session: tagged })).toBe(false);
    expect(sameRequest(request, { ...request, allowedAccounts: ['111111111111'] })).toBe(false);
    expect(sameRequest({ ...request, session: tagged }, { ...request, session: { ...tagged } })).toBe(true);
  });
});
