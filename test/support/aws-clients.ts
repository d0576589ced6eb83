// The AWS clients a test can run as children, and reading what identities.sh printed.
// The classic four (both AWS CLIs, boto3, the JavaScript SDK v3) and the rest of the
// matrix deploy tools are built on: the JavaScript SDK v2, the Go SDK v1 (default
// session, and opted into shared config), the Go SDK v2 and the Ruby SDK, the Go and
// Ruby ones from Debian's packages, built here in GOPATH mode.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { commandWorks } from './available.ts';
import { fixture, ROOT } from './cli.ts';

export type AwsClient = 'v1' | 'v2' | 'boto3' | 'sdk' | 'sdk2' | 'go1' | 'go1-shared' | 'go2' | 'ruby';

export const CLASSIC_CLIENTS: readonly AwsClient[] = ['v1', 'v2', 'boto3', 'sdk'];
export const ALL_CLIENTS: readonly AwsClient[] = [...CLASSIC_CLIENTS, 'sdk2', 'go1', 'go1-shared', 'go2', 'ruby'];

/** Where the Go clients are built: beside their sources, ignored by git. */
export const CLIENT_BIN = join(ROOT, 'test/support/clients/.bin');
const GOPATH = '/usr/share/gocode';

/** Builds a Go client once per checkout (a rename makes parallel builders safe). */
function buildGo(name: 'go-v1' | 'go-v2'): boolean {
  const target = join(CLIENT_BIN, name);
  if (existsSync(target)) return true;
  if (!existsSync(join(GOPATH, 'src/github.com/aws', name === 'go-v1' ? 'aws-sdk-go' : 'aws-sdk-go-v2'))) return false;
  mkdirSync(CLIENT_BIN, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  try {
    execFileSync('go', ['build', '-o', partial, 'main.go'], {
      cwd: join(ROOT, 'test/support/clients', name),
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    renameSync(partial, target);
    return true;
  } catch {
    rmSync(partial, { force: true });
    return false;
  }
}

const checks: Record<AwsClient, () => boolean> = {
  v1: () => commandWorks('aws', ['--version']),
  v2: () => commandWorks('/usr/bin/aws', ['--version']),
  boto3: () => commandWorks('python3', ['-c', 'import boto3']),
  sdk: () => true,
  sdk2: () => existsSync(join(ROOT, 'node_modules/aws-sdk/package.json')),
  go1: () => buildGo('go-v1'),
  'go1-shared': () => buildGo('go-v1'),
  go2: () => buildGo('go-v2'),
  ruby: () => commandWorks('ruby', ['-e', 'require "aws-sdk-core"']),
};

const cached = new Map<AwsClient, boolean>();
const present = (client: AwsClient) => {
  if (!cached.has(client)) cached.set(client, checks[client]());
  return cached.get(client) as boolean;
};

/**
 * The clients of `wanted` present here. Under CI every one must be (it fails the
 * calling test otherwise); elsewhere a missing one is left out with a notice.
 */
export function availableClients(wanted: readonly AwsClient[] = CLASSIC_CLIENTS): AwsClient[] {
  const missing = wanted.filter((client) => !present(client));
  if (missing.length > 0) {
    if (process.env.CI) throw new Error(`AWS clients missing under CI: ${missing.join(', ')} (.ci/run installs them)`);
    console.warn(`NOTICE: AWS clients not installed, left out of the identity tests: ${missing.join(', ')}`);
  }
  return wanted.filter((client) => !missing.includes(client));
}

/** `sh '<identities.sh> v1 v2 ...'`: one line per client. */
export const identitiesCommand = (clients: readonly AwsClient[]) => `${fixture('identities.sh')} ${clients.join(' ')}`;

/** client -> what it printed, from identities.sh's lines in a log. */
export function identitiesIn(log: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const match of log.matchAll(/^identity ([\w-]+) (.*)$/gm)) {
    const [, client = '', arn = ''] = match;
    found[client] = [...(found[client] ?? []), arn];
  }
  return found;
}
