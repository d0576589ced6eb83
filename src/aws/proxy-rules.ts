// Which proxy a request to AWS goes through, decided as the AWS CLI decides it:
// HTTPS_PROXY (https_proxy) for https endpoints, HTTP_PROXY (http_proxy) for http
// ones, unless NO_PROXY (no_proxy) excludes the host; --proxy replaces the first
// two, --no-proxy turns proxies off. And how a proxy URL is shown: never with its
// password. Pure.
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError } from '../domain/errors.ts';
import type { NetworkSettings } from '../domain/network.ts';

/** The error name when a proxy answers CONNECT with other than 200: the request never reached AWS. */
export const PROXY_CONNECT_REFUSED = 'ProxyConnectRefused';

export interface ProxyChoice {
  /** The proxy to use, or undefined for a direct connection. */
  proxy: URL | undefined;
  /** Why, for --dry-run and doctor: 'HTTPS_PROXY', 'NO_PROXY matches 127.0.0.1', '--no-proxy'... */
  reason: string;
}

/** The first of these variables that is set (lower case first, as curl and Python's urllib read them). */
function firstSet(env: Environment, names: readonly string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return [name, value.trim()];
  }
  return undefined;
}

/** The proxy for a request to `target`. */
export function chooseProxy(target: URL, settings: NetworkSettings, env: Environment): ProxyChoice {
  if (settings.noProxy) return { proxy: undefined, reason: '--no-proxy' };
  const https = target.protocol === 'https:';
  const given: [string, string] | undefined =
    settings.proxy !== undefined
      ? ['--proxy', settings.proxy]
      : firstSet(env, https ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY']);
  if (given === undefined) return { proxy: undefined, reason: `no ${https ? 'HTTPS_PROXY' : 'HTTP_PROXY'} set` };
  const excluded = firstSet(env, ['no_proxy', 'NO_PROXY']);
  const match = excluded === undefined ? undefined : noProxyMatch(target, excluded[1]);
  if (match !== undefined) return { proxy: undefined, reason: `${excluded?.[0]} matches ${match}` };
  return { proxy: parseProxy(given[1], given[0]), reason: given[0] };
}

/**
 * A proxy URL as given (scheme optional, http assumed, as the AWS CLI does). One
 * that is not is a configuration error (78) naming where it came from, not its text,
 * which may hold a password.
 */
export function parseProxy(value: string, source: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {}
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new ConfigurationError(`${source}: not a proxy URL; expected http://[user:password@]host:port`, {
      fix: `set ${source} to e.g. http://proxy.example.com:3128`,
    });
  }
  // A % that starts no escape is a literal %, as the AWS CLI (Python's unquote) takes it; the proxy agents,
  // which decode the user and password for Proxy-Authorization, would throw on it.
  if (url.username !== '') url.username = encodeURIComponent(decodedUserinfo(url.username));
  if (url.password !== '') url.password = encodeURIComponent(decodedUserinfo(url.password));
  return url;
}

/** A proxy URL's user or password as typed: URL-decoded where it can be (a `%` not followed by two hex digits stays). */
function decodedUserinfo(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function ipv4Number(address: string): number | undefined {
  if (!IPV4.test(address)) return undefined;
  const parts = address.split('.').map(Number);
  if (parts.some((part) => part > 255)) return undefined;
  return parts.reduce((sum, part) => sum * 256 + part, 0);
}

/**
 * The NO_PROXY entry that excludes `target`, if one does: `*`; a host name or a
 * suffix of it (`example.com` and `.example.com` both match `sts.example.com`);
 * either with `:port` to match that port only; an IP address; an IPv4 CIDR range.
 */
export function noProxyMatch(target: URL, noProxy: string): string | undefined {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return entry;
    const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(entry);
    if (cidr !== null) {
      const base = ipv4Number(cidr[1] as string);
      const address = ipv4Number(host);
      const bits = Number(cidr[2]);
      if (base !== undefined && address !== undefined && bits <= 32) {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        if ((base & mask) >>> 0 === (address & mask) >>> 0) return entry;
      }
      continue;
    }
    const [entryHost, entryPort] = hostAndPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    const name = entryHost.replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return entry;
  }
  return undefined;
}

/** A NO_PROXY entry's host and port: `[::1]:8080`, `host:443`, `::1` (bare IPv6: no port), `host`. */
function hostAndPort(entry: string): [string, string | undefined] {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return [bracketed[1] as string, bracketed[2]];
  const colons = entry.split(':').length - 1;
  if (colons !== 1) return [entry, undefined];
  const [host = '', port] = entry.split(':');
  return [host, port];
}

/** A proxy as it may be shown: the user kept, the password replaced. */
export function redactProxy(proxy: URL): string {
  if (proxy.password === '') return proxy.href.replace(/\/$/, '');
  const shown = new URL(proxy.href);
  shown.password = '****';
  return shown.href.replace(/\/$/, '');
}

/** Any text with the password of `proxy` replaced, wherever it shows (its raw or URL-encoded form). */
export function withoutProxyPassword(text: string, proxy: URL | undefined): string {
  if (proxy === undefined || proxy.password === '') return text;
  const forms = new Set([proxy.password, decodedUserinfo(proxy.password)]);
  let out = text;
  for (const form of forms) if (form !== '') out = out.replaceAll(form, '****');
  return out;
}
