// What each cell of the SDK matrix expects (test/jenkins/sdk-matrix.test.ts), and
// why where it is not the role. docs/sdk-matrix.md is generated from this
// (scripts/sdk-matrix-table.ts), so the docs say exactly what the tests hold.
import type { AwsClient } from './aws-clients.ts';

export type AgentKind = 'ec2' | 'ecs' | 'pod-identity' | 'irsa' | 'profile' | 'with-credentials' | 'agent-keys';
export const KINDS: readonly AgentKind[] = ['ec2', 'ecs', 'pod-identity', 'irsa', 'profile', 'with-credentials', 'agent-keys'];

export type MatrixMode = 'control' | 'block' | 'command' | 'step-refresh' | 'cli-refresh' | 'cli' | 'docker.inside' | 'container()';

/** role: acts as the deploy role; fails: a closed failure the client prints; stops: the block stops before its body; agent: (control) the agent's own. */
export type Expected = 'role' | 'fails' | 'stops' | 'agent';

export const KIND_NAMES: Record<AgentKind, string> = {
  ec2: 'EC2 instance profile',
  ecs: 'ECS task role',
  'pod-identity': 'EKS Pod Identity',
  irsa: 'EKS IRSA (web identity)',
  profile: 'AWS_PROFILE on the agent',
  'with-credentials': 'keys from withCredentials',
  'agent-keys': "keys in the agent's environment",
};

export const CLIENT_NAMES: Record<AwsClient, string> = {
  v1: 'AWS CLI v1 (1.45)',
  v2: 'AWS CLI v2 (2.9, Debian)',
  boto3: 'boto3 (1.43 botocore)',
  sdk: 'JavaScript SDK v3',
  sdk2: 'JavaScript SDK v2 (2.1693)',
  go1: 'Go SDK v1, default session (1.44.133)',
  'go1-shared': 'Go SDK v1, SharedConfigEnable (1.44.133)',
  go2: 'Go SDK v2 (1.17)',
  ruby: 'Ruby aws-sdk-core (3.168)',
};

/** Clients that read the agent's web identity variables before any profile, and what fixes that. */
const READS_WEB_IDENTITY_FIRST =
  "the Go SDKs and the Ruby SDK read the agent's AWS_WEB_IDENTITY_TOKEN_FILE before any profile not set in code, in every version: they assume the deploy role with the pod's token, which works only where the deploy role trusts the cluster's identity provider; use the command form for such tools";
const WEB_IDENTITY_FIRST: Partial<Record<AwsClient, string>> = {
  go1: READS_WEB_IDENTITY_FIRST,
  'go1-shared': READS_WEB_IDENTITY_FIRST,
  go2: READS_WEB_IDENTITY_FIRST,
  ruby: READS_WEB_IDENTITY_FIRST,
};

/** Clients too old for AWS_CONTAINER_CREDENTIALS_FULL_URI (--refresh's endpoint). */
const NO_FULL_URI: Partial<Record<AwsClient, string>> = {
  ruby: 'aws-sdk-core before 3.188.0 (the EKS Pod Identity minimum; Debian 12 has 3.168) does not read AWS_CONTAINER_CREDENTIALS_FULL_URI: it fails, with instance metadata off; without refresh, static keys work',
};

/** Why a cell fails closed rather than acting as the role, where it does. */
export function whyNotRole(kind: AgentKind, mode: MatrixMode, client: AwsClient): string | undefined {
  if ((mode === 'cli-refresh' || mode === 'step-refresh') && NO_FULL_URI[client] !== undefined) return NO_FULL_URI[client];
  const webIdentityLeft = kind === 'irsa' && (mode === 'block' || mode === 'container()');
  if (webIdentityLeft && WEB_IDENTITY_FIRST[client] !== undefined) return WEB_IDENTITY_FIRST[client];
  return undefined;
}

/** What a cell expects. */
export function expectedResult(kind: AgentKind, mode: MatrixMode, client: AwsClient): Expected {
  if (mode === 'control') return controlResult(kind, client);
  if (kind === 'agent-keys' && mode === 'block') return 'stops';
  return whyNotRole(kind, mode, client) === undefined ? 'role' : 'fails';
}

/** Without the step, a client acts as the agent, unless it cannot use that kind of source at all. */
function controlResult(kind: AgentKind, client: AwsClient): Expected {
  // Pod Identity's 169.254.170.23 is newer than these: they fail, or fall back to instance metadata (also the agent).
  if (kind === 'pod-identity' && (client === 'v2' || client === 'go1' || client === 'go1-shared' || client === 'go2')) return 'fails';
  // Region: none of these read AWS_DEFAULT_REGION without more settings; the clients here set us-east-1 themselves.
  return 'agent';
}

export interface ContainerCell {
  name: string;
  kind: AgentKind;
  place: 'docker.inside' | 'container()';
  mode: MatrixMode;
  /** The container's own spec sets these (Kubernetes): Pod Identity or IRSA variables. */
  spec?: 'pod-identity' | 'irsa';
  /** The image has node (the JavaScript SDKs can run there). */
  node: boolean;
}

export const CONTAINER_CELLS: readonly ContainerCell[] = [
  {
    name: 'no node, no agent loopback, instance metadata reachable',
    kind: 'ec2',
    place: 'docker.inside',
    mode: 'docker.inside',
    node: false,
  },
  { name: 'an ECS agent', kind: 'ecs', place: 'docker.inside', mode: 'docker.inside', node: false },
  { name: 'a node image (Serverless, the JavaScript SDKs)', kind: 'ec2', place: 'docker.inside', mode: 'docker.inside', node: true },
  {
    name: 'a node image, Pod Identity in the spec',
    kind: 'pod-identity',
    place: 'container()',
    mode: 'container()',
    spec: 'pod-identity',
    node: true,
  },
  { name: 'a node image, IRSA in the spec', kind: 'irsa', place: 'container()', mode: 'container()', spec: 'irsa', node: true },
];
