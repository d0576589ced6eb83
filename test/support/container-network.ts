// A network of its own for an emulated Docker container: a network namespace
// joined to the agent by a veth pair. Inside, 127.0.0.1 is the namespace's own
// loopback, not the agent's; the agent side's address reaches the test's servers.
// Needs root and iproute2 (CI has both; .ci/run installs iproute2).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describeRequiring } from './describe-requiring.ts';

export interface ContainerNetwork {
  /** The namespace `ip netns exec` enters. */
  name: string;
  /** The agent side of the veth pair: what the container reaches the agent's servers at. */
  hostAddress: string;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function createContainerNetwork(): ContainerNetwork {
  const id = (process.pid % 200) + 20;
  const name = `war-${process.pid}`;
  const host = `warh${process.pid}`.slice(0, 15);
  const peer = `warc${process.pid}`.slice(0, 15);
  const [hostAddress, containerAddress] = [`10.233.${id}.1`, `10.233.${id}.2`];
  ip('netns', 'add', name);
  try {
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', name);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('netns', 'exec', name, 'ip', 'addr', 'add', `${containerAddress}/30`, 'dev', peer);
    ip('netns', 'exec', name, 'ip', 'link', 'set', peer, 'up');
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    ip('netns', 'del', name);
    throw error;
  }
  return {
    name,
    hostAddress,
    remove: () => {
      try {
        ip('link', 'del', host);
      } finally {
        ip('netns', 'del', name);
      }
    },
  };
}

/** Whether this machine can emulate containers: root, ip, unshare. */
export function canEmulateContainers(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('unshare', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every node binary a container must not have: the one running the tests and those on PATH. */
export function nodeBinaries(): string[] {
  const found = new Set([process.execPath]);
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir !== '' && existsSync(`${dir}/node`)) found.add(`${dir}/node`);
  return [...found];
}

/** Like describe where containers can be emulated; elsewhere a notice (and a failure under CI). */
export function describeWithContainers(name: string, body: () => void): void {
  const requirement = {
    available: canEmulateContainers(),
    needs: 'needs root, iproute2 and util-linux to emulate containers, which CI must provide',
    missingUnderCi: 'cannot emulate containers here: CI must run as root with ip and unshare',
    notice: (skipped: string) => `NOTICE: not root or no ip/unshare; skipping "${skipped}".`,
  };
  describeRequiring(requirement, name, body);
}
