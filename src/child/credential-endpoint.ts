// --refresh: a credentials endpoint on loopback in the container-credentials
// protocol (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN),
// which every AWS SDK and both AWS CLIs read, and read again before what they hold
// expires. It serves the current credentials at one random path, to one random
// token, and nothing else; it lives in the wrapper and closes with the child.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint answers: credentials, or why there are none any more. */
export type Served = { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date } | { gone: string };

export interface CredentialEndpoint {
  /** http://127.0.0.1:<port>/<random path>: AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  url: string;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN: a secret, masked like the credentials. */
  token: string;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time (of the digests), so a wrong token's length or prefix tells nothing. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/** The container-credentials JSON, or the status and message of a refusal. */
export function answer(
  request: { method: string | undefined; url: string | undefined; authorization: string | undefined },
  expected: { path: string; token: string },
  served: Served,
): { status: number; body: Record<string, string> } {
  if (request.url !== expected.path) return { status: 404, body: { Code: 'NotFound', Message: 'no such path' } };
  if (request.method !== 'GET') return { status: 405, body: { Code: 'MethodNotAllowed', Message: 'GET only' } };
  if (!tokenMatches(request.authorization, expected.token)) {
    return { status: 401, body: { Code: 'Unauthorized', Message: 'the Authorization header must be AWS_CONTAINER_AUTHORIZATION_TOKEN' } };
  }
  if ('gone' in served) return { status: 503, body: { Code: 'CredentialsExpired', Message: served.gone } };
  return {
    status: 200,
    body: {
      AccessKeyId: served.accessKeyId,
      SecretAccessKey: served.secretAccessKey,
      Token: served.sessionToken,
      Expiration: served.expiration.toISOString(),
    },
  };
}

/** Starts the endpoint on 127.0.0.1 (never another address) at an ephemeral port. */
export async function startCredentialEndpoint(current: () => Served): Promise<CredentialEndpoint> {
  const path = `/${randomBytes(18).toString('base64url')}`;
  const token = randomBytes(32).toString('base64url');
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const reply = answer(
      { method: request.method, url: request.url, authorization: request.headers.authorization },
      { path, token },
      current(),
    );
    response.writeHead(reply.status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(reply.body));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    token,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
