// The AWS clients a test can run as children, and reading what identities.sh printed.
import { commandWorks } from './available.ts';
import { fixture } from './cli.ts';

export type AwsClient = 'v1' | 'v2' | 'boto3' | 'sdk';

const checks: Record<AwsClient, () => boolean> = {
  v1: () => commandWorks('aws', ['--version']),
  v2: () => commandWorks('/usr/bin/aws', ['--version']),
  boto3: () => commandWorks('python3', ['-c', 'import boto3']),
  sdk: () => true,
};

let cached: AwsClient[] | undefined;

/**
 * The clients present here. Under CI every one must be (it fails the calling test
 * otherwise); elsewhere a missing one is left out with a notice.
 */
export function availableClients(): AwsClient[] {
  if (cached !== undefined) return cached;
  const missing = (Object.keys(checks) as AwsClient[]).filter((client) => !checks[client]());
  if (missing.length > 0) {
    if (process.env.CI) throw new Error(`AWS clients missing under CI: ${missing.join(', ')} (.ci/run installs them)`);
    console.warn(`NOTICE: AWS clients not installed, left out of the identity tests: ${missing.join(', ')}`);
  }
  cached = (Object.keys(checks) as AwsClient[]).filter((client) => !missing.includes(client));
  return cached;
}

/** `sh '<identities.sh> v1 v2 ...'`: one line per client. */
export const identitiesCommand = (clients: readonly AwsClient[]) => `${fixture('identities.sh')} ${clients.join(' ')}`;

/** client -> what it printed, from identities.sh's lines in a log. */
export function identitiesIn(log: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const match of log.matchAll(/^identity (\w+) (.*)$/gm)) {
    const [, client = '', arn = ''] = match;
    found[client] = [...(found[client] ?? []), arn];
  }
  return found;
}
