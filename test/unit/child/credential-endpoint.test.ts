import { describe, expect, it } from 'vitest';
import { answer, tokenMatches } from '../../../src/child/credential-endpoint.ts';

const expected = { path: '/abc', token: 'secret-token' };
const served = { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: new Date('2030-01-01T00:00:00Z') };

describe('the --refresh endpoint', () => {
  it.each([
    ['the exact path and token: the credentials', { method: 'GET', url: '/abc', authorization: 'secret-token' }, 200],
    ['another path', { method: 'GET', url: '/', authorization: 'secret-token' }, 404],
    ['the path with a query', { method: 'GET', url: '/abc?x=1', authorization: 'secret-token' }, 404],
    ['no token', { method: 'GET', url: '/abc', authorization: undefined }, 401],
    ['a wrong token', { method: 'GET', url: '/abc', authorization: 'secret-tokeN' }, 401],
    ['a longer token', { method: 'GET', url: '/abc', authorization: 'secret-token2' }, 401],
    ['another method', { method: 'PUT', url: '/abc', authorization: 'secret-token' }, 405],
  ])('%s', (_name, request, status) => {
    expect(answer(request, expected, served).status).toBe(status);
  });
  it('answers in the container-credentials format, and says why once they are gone', () => {
    expect(answer({ method: 'GET', url: '/abc', authorization: 'secret-token' }, expected, served).body).toEqual({
      AccessKeyId: 'ASIA1',
      SecretAccessKey: 's',
      Token: 't',
      Expiration: '2030-01-01T00:00:00.000Z',
    });
    expect(answer({ method: 'GET', url: '/abc', authorization: 'secret-token' }, expected, { gone: 'expired' })).toEqual({
      status: 503,
      body: { Code: 'CredentialsExpired', Message: 'expired' },
    });
  });
  it('compares tokens whatever their length', () => {
    expect(tokenMatches('a', 'a')).toBe(true);
    expect(tokenMatches('', 'a')).toBe(false);
    expect(tokenMatches(undefined, 'a')).toBe(false);
  });
});
