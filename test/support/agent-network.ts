// A network namespace that looks, from inside, like an AWS host: its loopback holds
// the link-local addresses of instance metadata, ECS container credentials and EKS
// Pod Identity, each answered (fixtures/agent-endpoints.mjs) with the agent's own
// identity; a veth pair reaches the test's STS on the host side. Everything the
// clients do by default (no endpoint variables) then goes where it would on AWS, and
// a fallback to the agent's identity is seen as that identity, not as an error.
// Needs root and iproute2, as container-network.ts does.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fixture } from './cli.ts';
import type { Credentials } from './sts-server.ts';

export const LINK_LOCAL = {
  metadata: '169.254.169.254',
  ecs: '169.254.170.2',
  podIdentity: '169.254.170.23',
} as const;

export interface AgentIdentity extends Required<Credentials> {
  /** The role's name (instance profile) or ARN (task role). */
  role: string;
  roleArn: string;
  account: string;
}

export interface EndpointIdentities {
  instance?: AgentIdentity;
  task?: AgentIdentity;
  pod?: AgentIdentity;
  /** The token EKS Pod Identity requires in the Authorization header. */
  podToken?: string;
}

export interface AgentNetwork {
  name: string;
  /** The host side of the veth pair: where the namespace reaches the test's servers. */
  hostAddress: string;
  /** Every request the link-local endpoints answered: `<address> <method> <path>`. */
  requests: string[];
  /** Runs `command` inside the namespace. */
  exec(command: string, args: readonly string[]): [string, string[]];
  remove(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

let created = 0;

/** A namespace with AWS's link-local endpoints answering as `identities`, joined to the host. */
export async function createAgentNetwork(identities: EndpointIdentities): Promise<AgentNetwork> {
  created += 1;
  const tag = `${process.pid % 10000}${created}`;
  const name = `war-agent-${tag}`;
  const host = `wah${tag}`.slice(0, 15);
  const peer = `wap${tag}`.slice(0, 15);
  const octet = ((process.pid * 7 + created) % 200) + 20;
  const [hostAddress, agentAddress] = [`10.234.${octet}.1`, `10.234.${octet}.2`];
  ip('netns', 'add', name);
  let endpoints: ChildProcess | undefined;
  const remove = async () => {
    if (endpoints !== undefined && endpoints.exitCode === null) {
      endpoints.kill();
      await once(endpoints, 'exit');
    }
    try {
      ip('link', 'del', host);
    } catch {}
    ip('netns', 'del', name);
  };
  try {
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', host);
    ip('link', 'set', host, 'up');
    const inside = (...args: string[]) => ip('netns', 'exec', name, 'ip', ...args);
    inside('addr', 'add', `${agentAddress}/30`, 'dev', peer);
    inside('link', 'set', peer, 'up');
    inside('link', 'set', 'lo', 'up');
    for (const address of Object.values(LINK_LOCAL)) inside('addr', 'add', `${address}/32`, 'dev', 'lo');
    const requests: string[] = [];
    endpoints = spawn('ip', ['netns', 'exec', name, process.execPath, fixture('agent-endpoints.mjs')], {
      env: { PATH: process.env.PATH, WAR_ENDPOINTS: JSON.stringify(identities) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: endpoints.stdout as NodeJS.ReadableStream });
    const ready = new Promise<void>((resolve, reject) => {
      endpoints?.once('exit', (code) => reject(new Error(`agent endpoints exited (${code}) before they listened`)));
      lines.on('line', (line) => {
        if (line === 'ready') resolve();
        else if (line.startsWith('request ')) requests.push(line.slice('request '.length));
      });
    });
    await ready;
    return {
      name,
      hostAddress,
      requests,
      exec: (command, args) => ['ip', ['netns', 'exec', name, command, ...args]],
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
