import { describe, expect, it } from 'vitest';
import { chooseProxy, noProxyMatch, parseProxy, redactProxy, withoutProxyPassword } from '../../../src/aws/proxy-rules.ts';
import { DEFAULT_NETWORK } from '../../../src/domain/network.ts';

const STS = new URL('https://sts.eu-west-1.amazonaws.com');
const env = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:8080' };

describe('chooseProxy', () => {
  it('HTTPS_PROXY for https endpoints, HTTP_PROXY for http ones, and says which', () => {
    expect(chooseProxy(STS, DEFAULT_NETWORK, env)).toEqual({ proxy: new URL('http://proxy.corp:3128'), reason: 'HTTPS_PROXY' });
    expect(chooseProxy(new URL('http://127.0.0.1:5000'), DEFAULT_NETWORK, env)).toEqual({
      proxy: new URL('http://plain.corp:8080'),
      reason: 'HTTP_PROXY',
    });
  });

  it('reads the lower-case variable first, as curl and Python do', () => {
    expect(chooseProxy(STS, DEFAULT_NETWORK, { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }).reason).toBe('https_proxy');
  });

  it('--proxy replaces both variables, NO_PROXY still applies; --no-proxy wins over all', () => {
    const flag = { ...DEFAULT_NETWORK, proxy: 'flag.corp:3128' };
    expect(chooseProxy(STS, flag, env)).toEqual({ proxy: new URL('http://flag.corp:3128'), reason: '--proxy' });
    expect(chooseProxy(STS, flag, { NO_PROXY: '.amazonaws.com' })).toEqual({ proxy: undefined, reason: 'NO_PROXY matches .amazonaws.com' });
    expect(chooseProxy(STS, { ...flag, noProxy: true }, env)).toEqual({ proxy: undefined, reason: '--no-proxy' });
  });

  it('no variable: direct, and says so', () => {
    expect(chooseProxy(STS, DEFAULT_NETWORK, {})).toEqual({ proxy: undefined, reason: 'no HTTPS_PROXY set' });
    expect(chooseProxy(STS, DEFAULT_NETWORK, { HTTPS_PROXY: '  ' })).toEqual({ proxy: undefined, reason: 'no HTTPS_PROXY set' });
  });
});

describe('noProxyMatch', () => {
  it.each([
    ['*', 'https://sts.amazonaws.com', '*'],
    ['amazonaws.com', 'https://sts.amazonaws.com', 'amazonaws.com'],
    ['.amazonaws.com', 'https://sts.amazonaws.com', '.amazonaws.com'],
    ['*.amazonaws.com', 'https://sts.amazonaws.com', '*.amazonaws.com'],
    ['AMAZONAWS.COM', 'https://sts.amazonaws.com', 'amazonaws.com'],
    ['other.com, amazonaws.com', 'https://sts.amazonaws.com', 'amazonaws.com'],
    ['sts.amazonaws.com:443', 'https://sts.amazonaws.com', 'sts.amazonaws.com:443'],
    ['127.0.0.1', 'https://127.0.0.1:8443', '127.0.0.1'],
    ['127.0.0.1:8443', 'https://127.0.0.1:8443', '127.0.0.1:8443'],
    ['10.0.0.0/8', 'https://10.1.2.3', '10.0.0.0/8'],
    ['::1', 'https://[::1]:8443', '::1'],
    ['[::1]:8443', 'https://[::1]:8443', '[::1]:8443'],
  ])('%s excludes %s', (noProxy, url, entry) => {
    expect(noProxyMatch(new URL(url), noProxy)).toBe(entry);
  });

  it.each([
    ['mazonaws.com', 'https://sts.amazonaws.com'],
    ['sts.amazonaws.com:8443', 'https://sts.amazonaws.com'],
    ['127.0.0.1:80', 'https://127.0.0.1:8443'],
    ['10.0.0.0/8', 'https://11.1.2.3'],
    ['', 'https://sts.amazonaws.com'],
  ])('%s does not exclude %s', (noProxy, url) => {
    expect(noProxyMatch(new URL(url), noProxy)).toBeUndefined();
  });
});

describe('showing a proxy', () => {
  it('keeps the user, replaces the password', () => {
    expect(redactProxy(new URL('http://alice:s3cret@proxy:3128'))).toBe('http://alice:****@proxy:3128');
    expect(redactProxy(new URL('http://proxy:3128'))).toBe('http://proxy:3128');
  });

  it('takes the password out of any text, raw or URL-encoded', () => {
    const proxy = new URL('http://alice:p%40ss%2Fword@proxy:3128');
    expect(withoutProxyPassword('said p@ss/word and p%40ss%2Fword', proxy)).toBe('said **** and ****');
  });

  it('a password with a % that starts no escape is replaced too, not a failure of its own', () => {
    const proxy = new URL('http://alice:50%off@proxy:3128');
    expect(withoutProxyPassword('said 50%off', proxy)).toBe('said ****');
  });

  it('a value that is no proxy URL is a configuration error naming where it came from, not its text', () => {
    expect(() => parseProxy('http://alice:s3cret@[oops', 'HTTPS_PROXY')).toThrow(/^HTTPS_PROXY: not a proxy URL/);
    expect(() => parseProxy('socks5://proxy:1080', 'HTTPS_PROXY')).toThrow('HTTPS_PROXY: not a proxy URL');
    expect(parseProxy('proxy.corp:3128', 'HTTPS_PROXY').href).toBe('http://proxy.corp:3128/');
  });

  it('a % in the user or password that starts no escape is a literal %, as the AWS CLI reads it', () => {
    const proxy = parseProxy('http://al%ice:50%off@proxy:3128', 'HTTPS_PROXY');
    expect(decodeURIComponent(proxy.username)).toBe('al%ice');
    expect(decodeURIComponent(proxy.password)).toBe('50%off');
    expect(parseProxy('http://alice:p%40ss@proxy:3128', 'HTTPS_PROXY').password).toBe('p%40ss');
  });
});
