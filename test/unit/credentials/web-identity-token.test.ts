import { describe, expect, it } from 'vitest';
import { decodeClaims, describeClaims, describeExpiry } from '../../../src/credentials/web-identity-token.ts';

const jwt = (payload: unknown) =>
  `${[{ alg: 'RS256' }, payload].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.')}.c2ln`;

describe('decodeClaims', () => {
  it("reads a JWT's payload, ignoring claims of other types", () => {
    expect(decodeClaims(jwt({ iss: 'https://i', aud: ['a', 'b'], sub: 's', exp: 10, extra: true }))).toEqual({
      iss: 'https://i',
      aud: ['a', 'b'],
      sub: 's',
      exp: 10,
    });
    expect(decodeClaims(jwt({ iss: 1, aud: [1], exp: '10' }))).toEqual({ iss: undefined, aud: undefined, sub: undefined, exp: undefined });
  });

  it('is undefined for what is no JWT', () => {
    for (const text of ['', 'a.b', 'a.b.c.d', 'not a.jwt.at all', `x.${Buffer.from('[1]').toString('base64url')}.y`, 'x..y']) {
      expect(decodeClaims(text), text).toBeUndefined();
    }
  });
});

it('describes the claims and the expiry against the clock given', () => {
  const claims = { iss: 'https://ci.example.com/oidc', aud: 'sts.amazonaws.com', sub: 'https://ci.example.com/job/app/', exp: 7200 };
  expect(describeClaims(claims, 3600_000)).toBe(
    'issuer https://ci.example.com/oidc, audience sts.amazonaws.com, subject https://ci.example.com/job/app/, expires in 1h',
  );
  expect(describeExpiry(claims, 7500_000)).toBe('expired 5m ago');
  expect(describeExpiry({}, 0)).toBe('no expiry');
});
