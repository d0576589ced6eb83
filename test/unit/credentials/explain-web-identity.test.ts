import { describe, expect, it } from 'vitest';
import { webIdentityRefusal } from '../../../src/credentials/explain-web-identity.ts';
import type { FailureContext } from '../../../src/credentials/failure-context.ts';
import type { StsFailure } from '../../../src/credentials/sts-failure.ts';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const context: FailureContext = {
  roleArn: 'arn:aws:iam::521111111144:role/DeployMaster',
  durationSeconds: 3600,
  region: 'us-east-1',
  endpoint: 'STS (https://sts.us-east-1.amazonaws.com)',
  sourceLabel: 'web identity token',
  attempts: 1,
  assumeTimeoutSeconds: 60,
  now: NOW,
};
const expired: StsFailure = {
  kind: 'refused',
  code: 'ExpiredTokenException',
  message: 'Token expired: current date/time 1764842400 must be before the expiration date/time',
};
const tokenExpiring = (secondsFromNow: number) => ({
  path: '/run/token',
  token: 'a.b.c',
  claims: { iss: 'https://ci.example.com/oidc', sub: 'job/app', aud: 'sts.amazonaws.com', exp: NOW / 1000 + secondsFromNow },
});

describe('a web identity token STS calls expired', () => {
  it('an hour ahead by this clock: the clocks disagree, and the fix is the clock, not a new token', () => {
    const error = webIdentityRefusal(expired, tokenExpiring(3600), context);
    expect(error.message).toBe(
      "web identity token /run/token: STS calls it expired, yet it expires in 1h by this machine's clock: the clocks disagree (ExpiredTokenException)",
    );
    expect(error.fix).toContain('timedatectl set-ntp true');
  });

  it('already past by this clock too: the token is old, bind a fresh one', () => {
    const error = webIdentityRefusal(expired, tokenExpiring(-60), context);
    expect(error.message).not.toContain('clocks disagree');
    expect(error.fix).toContain('bind a fresh token');
  });

  it('within five minutes of its expiry: taken as expired, not as skew', () => {
    expect(webIdentityRefusal(expired, tokenExpiring(120), context).message).not.toContain('clocks disagree');
  });
});
