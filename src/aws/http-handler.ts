// How the SDK's clients reach AWS: per-request timeouts, and the proxy and CA bundle
// the AWS CLI would use for the same endpoint (proxy-rules.ts). The proxy agents load
// only when a proxy applies.

import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError } from '../domain/errors.ts';
import type { NetworkSettings } from '../domain/network.ts';
import { chooseProxy, PROXY_CONNECT_REFUSED, type ProxyChoice, redactProxy } from './proxy-rules.ts';

/** Per-request HTTP limits: the SDK sets none, and a hung endpoint would hold a build for minutes. */
export const HTTP_TIMEOUTS = { connectionTimeout: 3000, requestTimeout: 10_000 } as const;

/** What the SDK's NodeHttpHandler takes: timeouts and the agents to connect with. */
export interface HandlerOptions {
  connectionTimeout: number;
  requestTimeout: number;
  httpAgent?: HttpAgent;
  httpsAgent?: HttpsAgent;
}

/** The CA bundle in use: --ca-bundle, else AWS_CA_BUNDLE, else none (the system's certificates). */
export function caBundleOf(network: NetworkSettings, env: Environment): { path: string; source: string } | undefined {
  if (network.caBundle !== undefined) return { path: network.caBundle, source: '--ca-bundle' };
  const fromEnv = env.AWS_CA_BUNDLE;
  return fromEnv === undefined || fromEnv === '' ? undefined : { path: fromEnv, source: 'AWS_CA_BUNDLE' };
}

/** The certificates of the CA bundle in use; a missing or unreadable one is a configuration error (78). */
export function readCaBundle(network: NetworkSettings, env: Environment): string | undefined {
  const bundle = caBundleOf(network, env);
  if (bundle === undefined) return undefined;
  try {
    const text = readFileSync(bundle.path, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----'))
      throw Object.assign(new Error('no PEM certificate in it'), { code: 'no PEM certificate' });
    return text;
  } catch (error) {
    throw new ConfigurationError(
      `${bundle.source} ${bundle.path}: cannot be used as a CA bundle (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        fix: "point it at a readable PEM file of the CA certificates to trust (your proxy's CA, for a TLS-inspecting proxy)",
        cause: error,
      },
    );
  }
}

/**
 * An https-proxy-agent that (1) verifies the endpoint with the CA bundle: the agent's
 * own options reach only the proxy connection, and the SDK passes no TLS options per
 * request; (2) checks an IP address endpoint's certificate against that address, not
 * against "localhost" (the agent leaves the host out of its TLS options); (3) fails
 * with what the proxy answered to CONNECT, where the agent would replay that answer
 * as if AWS had sent it.
 */
async function tunnelAgent(proxy: URL, ca: string | undefined): Promise<HttpsAgent> {
  const { HttpsProxyAgent } = await import('https-proxy-agent');
  const { checkServerIdentity } = await import('node:tls');
  const { isIP } = await import('node:net');
  type ConnectArguments = Parameters<InstanceType<typeof HttpsProxyAgent>['connect']>;
  class TunnelAgent extends HttpsProxyAgent<string> {
    override async connect(request: ConnectArguments[0], options: ConnectArguments[1]) {
      const host = options.host ?? '';
      const target = {
        ...options,
        ...(ca === undefined ? {} : { ca }),
        ...(isIP(host) === 0
          ? {}
          : { checkServerIdentity: (_name: string, cert: import('node:tls').PeerCertificate) => checkServerIdentity(host, cert) }),
      };
      let answer: { statusCode: number; statusText: string } | undefined;
      request.once('proxyConnect', (connect: { statusCode: number; statusText: string }) => {
        answer = connect;
      });
      const socket = await super.connect(request, target);
      if (answer !== undefined && answer.statusCode !== 200) {
        socket.destroy();
        throw Object.assign(new Error(`CONNECT ${host}:${options.port}: ${answer.statusCode} ${answer.statusText}`), {
          name: PROXY_CONNECT_REFUSED,
          code: PROXY_CONNECT_REFUSED,
          $metadata: { httpStatusCode: answer.statusCode },
        });
      }
      return socket;
    }
  }
  return new TunnelAgent(proxy.href) as unknown as HttpsAgent;
}

/** The request handler options for a client sending to `endpoint`, and the proxy choice they follow. */
export async function handlerFor(
  endpoint: URL,
  network: NetworkSettings,
  env: Environment,
): Promise<{ options: HandlerOptions; proxy: ProxyChoice }> {
  const ca = readCaBundle(network, env);
  const proxy = chooseProxy(endpoint, network, env);
  const options: HandlerOptions = { ...HTTP_TIMEOUTS };
  if (proxy.proxy !== undefined) {
    if (endpoint.protocol === 'https:') {
      options.httpsAgent = await tunnelAgent(proxy.proxy, ca);
    } else {
      const { HttpProxyAgent } = await import('http-proxy-agent');
      options.httpAgent = new HttpProxyAgent(proxy.proxy);
    }
  } else if (ca !== undefined) {
    options.httpsAgent = new HttpsAgent({ ca });
  }
  return { options, proxy };
}

/** How requests to `endpoint` travel, as --dry-run, doctor and --verbose show it: never a proxy password. */
export function describeNetwork(endpoint: URL, network: NetworkSettings, env: Environment): { proxy: string; caBundle: string } {
  const choice = chooseProxy(endpoint, network, env);
  const bundle = caBundleOf(network, env);
  return {
    proxy: choice.proxy === undefined ? `none (${choice.reason})` : `${redactProxy(choice.proxy)} (${choice.reason})`,
    caBundle: bundle === undefined ? "the system's certificates" : `${bundle.path} (${bundle.source})`,
  };
}
