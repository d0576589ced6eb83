// Sends a client's HTTPS requests for AWS hostnames to the loopback STS: a proxy
// that answers every CONNECT by joining it to the STS's TLS port, whose certificate
// (from the test CA) names those hosts. For clients that cannot be pointed at an
// endpoint, like Debian's AWS CLI 2.9, which predates AWS_ENDPOINT_URL_STS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';

export const AWS_TEST_HOSTS = [
  'sts.amazonaws.com',
  'sts.us-east-1.amazonaws.com',
  'sts.eu-west-1.amazonaws.com',
  'ec2.us-east-1.amazonaws.com',
  'ec2.eu-west-1.amazonaws.com',
  '127.0.0.1',
];

export interface AwsRedirect {
  proxyUrl: string;
  /** Hosts each CONNECT named, in order. */
  connects: string[];
  close(): Promise<void>;
}

export async function startAwsRedirect(tlsPort: number, host = '127.0.0.1'): Promise<AwsRedirect> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request, client: Socket, head: Buffer) => {
    connects.push(request.url ?? '');
    const upstream = connect(tlsPort, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    proxyUrl: `http://${host}:${(server.address() as AddressInfo).port}`,
    connects,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
