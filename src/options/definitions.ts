// Every option of every command, once: the CLI parser, the environment-variable
// settings and the README's options table are all built from this list.
// Over 300 lines on purpose: one entry per option with its help text; split, the
// one list that keeps the parser, the variables and the README equal would be two.

export type CommandName = UserCommand | 'jenkins';
/** The commands people run (jenkins is the step's own). */
export type UserCommand = 'exec' | 'print' | 'serve' | 'verify' | 'policies' | 'doctor' | 'forget';

export interface OptionSpec {
  type: 'string' | 'boolean' | 'array';
  description: string;
  /** What applies when the option is not given, as the README and --help say it. */
  defaultDescription?: string;
  /** What the value is, in the README's table (`--env-file FILE`); VALUE when unsaid. */
  valueName?: string;
  choices?: readonly string[];
  commands: readonly CommandName[];
  /** Internal: left out of --help and the README (the broker `serve` starts in the background). */
  hidden?: boolean;
  /** For arrays given as one environment variable: what separates the items (default ':', as in PATH). */
  separator?: string;
  /** Per-command wording or choices, where an option means something narrower. */
  perCommand?: Partial<Record<CommandName, Partial<Pick<OptionSpec, 'description' | 'defaultDescription' | 'choices'>>>>;
}

/** Settings in the environment (and in --env-file files) carry this prefix. */
export const ENV_PREFIX = 'WITH_ASSUMED_ROLE_';

const ROLE_COMMANDS = ['exec', 'print', 'serve', 'verify', 'doctor'] as const;
const ALL_COMMANDS = ['exec', 'print', 'serve', 'verify', 'policies', 'doctor'] as const;

export const OPTIONS = {
  'role-arn': {
    type: 'string',
    valueName: 'ARN',
    description: 'ARN of the role to assume',
    commands: ROLE_COMMANDS,
  },
  role: {
    type: 'string',
    description: 'name of the role to assume, with --account (instead of --role-arn)',
    commands: [...ROLE_COMMANDS, 'policies'],
    perCommand: { policies: { description: 'name of the deploy role in the target account' } },
  },
  account: {
    type: 'string',
    description: 'account that owns --role (12 digits)',
    commands: ROLE_COMMANDS,
  },
  'session-name': {
    type: 'string',
    description: 'role session name, as CloudTrail shows it; checked, never rewritten',
    defaultDescription: 'derived: <project>-<environment>-jenkins-<build> or -local-<user>',
    commands: ROLE_COMMANDS,
  },
  project: {
    type: 'string',
    description: 'project part of the derived session name',
    defaultDescription: 'JOB_NAME under Jenkins, else the current directory name',
    commands: ROLE_COMMANDS,
  },
  environment: {
    type: 'string',
    description: 'environment part of the derived session name (dev, prod)',
    commands: ROLE_COMMANDS,
  },
  duration: {
    type: 'string',
    description: 'session length: seconds or 15m, 1h, 12h (900-43200 s)',
    defaultDescription: '1h',
    commands: ROLE_COMMANDS,
  },
  region: {
    type: 'string',
    description: 'STS region',
    defaultDescription: "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1",
    commands: [...ROLE_COMMANDS, 'policies'],
    perCommand: {
      exec: { description: "STS region; also the command's AWS_REGION and AWS_DEFAULT_REGION" },
      print: { description: 'STS region; also the AWS_REGION and AWS_DEFAULT_REGION lines of --format env' },
      serve: { description: "STS region; also the profile's region (the Jenkins block's AWS_REGION and AWS_DEFAULT_REGION)" },
      verify: { description: 'regions to check, comma-separated (the first is the STS region)' },
      policies: { description: 'region whose partition the ARNs use (aws, aws-cn, aws-us-gov)', defaultDescription: 'aws partition' },
    },
  },
  'external-id': {
    type: 'string',
    description: "external ID the role's trust policy requires",
    commands: [...ROLE_COMMANDS, 'policies'],
    perCommand: { policies: { description: 'require this sts:ExternalId in the trust policy' } },
  },
  'web-identity-token-file': {
    type: 'string',
    valueName: 'FILE',
    description:
      'OIDC id token (a JWT) to assume the role with directly (AssumeRoleWithWebIdentity): no source credentials at all; read again at each refresh',
    commands: ROLE_COMMANDS,
  },
  'endpoint-url': {
    type: 'string',
    valueName: 'URL',
    description: 'STS endpoint (VPC endpoint, emulator)',
    defaultDescription: 'AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else regional STS',
    commands: ROLE_COMMANDS,
  },
  via: {
    type: 'array',
    valueName: 'ARN',
    separator: ',',
    description:
      "a role to pass through on the way (a hub account's), assumed in order before the role, each with the same session name (repeatable); the role is then chained: 1h at most",
    commands: [...ROLE_COMMANDS, 'policies'],
    perCommand: {
      policies: {
        description: "a role on the agents' way to the deploy role (a hub account's): each hop's documents, in order (--format json)",
      },
    },
  },
  'mfa-serial': {
    type: 'string',
    valueName: 'ARN',
    description:
      "your MFA device (arn:aws:iam::ACCOUNT:mfa/NAME): a session with its code (GetSessionToken) before the role; needs an IAM user's own keys",
    defaultDescription: "the source profile's mfa_serial",
    commands: ROLE_COMMANDS,
  },
  'mfa-code': {
    type: 'string',
    valueName: 'CODE',
    description: "the MFA device's current code, for scripts; else it is asked on the terminal (never under CI)",
    commands: ROLE_COMMANDS,
  },
  profile: {
    type: 'string',
    description: 'profile for the source credentials (SSO profiles included)',
    defaultDescription: 'AWS_PROFILE, else the SDK default chain',
    commands: ROLE_COMMANDS,
  },
  'env-file': {
    type: 'array',
    valueName: 'FILE',
    description: 'dotenv file that may hold these settings (WITH_ASSUMED_ROLE_*), relative to the current directory (repeatable)',
    commands: ALL_COMMANDS,
    perCommand: {
      exec: {
        description:
          'dotenv file whose variables reach the command and may hold these settings, relative to the current directory (repeatable)',
      },
    },
  },
  proxy: {
    type: 'string',
    valueName: 'URL',
    description:
      'proxy for the requests to AWS, instead of HTTPS_PROXY/HTTP_PROXY (NO_PROXY still applies); --no-proxy (or none): no proxy',
    defaultDescription: 'HTTPS_PROXY (https_proxy), HTTP_PROXY for an http endpoint, unless NO_PROXY excludes the host',
    commands: ROLE_COMMANDS,
  },
  'ca-bundle': {
    type: 'string',
    valueName: 'FILE',
    description: 'PEM file of the CA certificates that verify TLS to AWS (a TLS-inspecting proxy)',
    defaultDescription: "AWS_CA_BUNDLE, else the system's",
    commands: ROLE_COMMANDS,
  },
  tag: {
    type: 'array',
    valueName: 'KEY=VALUE',
    separator: ',',
    description:
      'session tag, as CloudTrail shows it and IAM conditions read it (repeatable; the variable: comma-separated or one per line)',
    commands: ROLE_COMMANDS,
  },
  'transitive-tag': {
    type: 'array',
    valueName: 'KEY',
    separator: ',',
    description: 'a tag key that stays on sessions chained from this one (repeatable)',
    commands: ROLE_COMMANDS,
  },
  'jenkins-tags': {
    type: 'boolean',
    description:
      "tag the session with the build: jenkins:job, jenkins:build, jenkins:branch, jenkins:commit, jenkins:url (host), jenkins:node, from Jenkins' variables where set; --tag wins over them",
    defaultDescription: 'off',
    commands: ROLE_COMMANDS,
  },
  'source-identity': {
    type: 'string',
    description: 'who is behind the session (2-64 of letters, digits and +=,.@_-); kept through later role chaining',
    commands: ROLE_COMMANDS,
  },
  'allowed-account': {
    type: 'array',
    valueName: 'ID',
    separator: ',',
    description:
      "the only accounts the role may be in (repeatable or comma-separated): checked on the role's ARN before STS is called and on the ARN STS answers",
    commands: ROLE_COMMANDS,
  },
  policy: {
    type: 'string',
    valueName: 'POLICY',
    description: 'session policy narrowing the role for this run: a JSON file, or the JSON itself (2048 characters at most)',
    commands: ROLE_COMMANDS,
  },
  'policy-arn': {
    type: 'array',
    valueName: 'ARN',
    separator: ',',
    description: 'managed policy narrowing the role for this run (repeatable, at most 10)',
    commands: ROLE_COMMANDS,
  },
  'assume-timeout': {
    type: 'string',
    description: 'deadline in seconds for getting credentials, retries included',
    defaultDescription: '60',
    commands: ROLE_COMMANDS,
  },
  'dry-run': {
    type: 'boolean',
    description: 'print the resolved plan and exit without calling STS',
    commands: ['exec'],
  },
  mask: {
    type: 'boolean',
    description: "mask the credentials in the child's output (--no-mask: stdio untouched)",
    defaultDescription: 'on when JENKINS_URL, BUILD_ID or CI is set',
    commands: ['exec'],
  },
  refresh: {
    type: 'boolean',
    description:
      'give the command a local credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) that serves the role, assumed again before expiry, instead of static keys',
    defaultDescription: 'off',
    commands: ['exec'],
  },
  'kill-grace': {
    type: 'string',
    description: 'seconds a signalled child gets before the wrapper kills it',
    defaultDescription: '10',
    commands: ['exec'],
  },
  format: {
    type: 'string',
    description: 'output format',
    commands: ['print', 'policies'],
    perCommand: {
      print: {
        choices: ['env', 'process', 'json'],
        defaultDescription: 'env',
        description: 'env (export lines), process (credential_process JSON) or json',
      },
      policies: {
        choices: ['json', 'cloudformation', 'terraform'],
        defaultDescription: 'json',
        description: 'json (three documents), cloudformation or terraform',
      },
    },
  },
  'cache-file': {
    type: 'string',
    valueName: 'FILE',
    description: 'reuse credentials from this 0600 file while they last (the Jenkins block form)',
    commands: ['print'],
  },
  'session-cache': {
    type: 'boolean',
    description:
      'keep your session in your cache folder (0600): a run within its lifetime asks for no MFA code and calls no STS (--no-session-cache: neither read nor written; withAssumedRole forget drops it)',
    defaultDescription: 'on, off under CI',
    commands: ['exec', 'print', 'verify'],
  },
  dir: {
    type: 'string',
    valueName: 'DIR',
    description:
      'folder (mode 0700, yours) to share the credentials in: an AWS config whose profile with-assumed-role serves them; removing it stops the refresh',
    commands: ['serve'],
  },
  credentials: {
    type: 'string',
    description:
      "what the profile hands out: role (the role's credentials), source (the source credentials and a role_arn profile: wins over web identity variables), auto (source where --check found web identity variables or a Kubernetes pod, web-identity for a keyless run there, else role)",
    defaultDescription: 'auto',
    choices: ['auto', 'role', 'source'],
    commands: ['serve'],
  },
  check: {
    type: 'boolean',
    description:
      "check this environment (a Jenkins block body's) for AWS variables that would win over the profile, and choose --credentials auto's answer",
    commands: ['serve'],
  },
  stop: {
    type: 'boolean',
    description:
      "end the folder's serving: print what the refresh had to report, stop it, remove the folder (and the AWS CLI's cache of a source-mode session)",
    commands: ['serve'],
  },
  'refresh-limit': {
    type: 'string',
    description:
      'how long the background refresh may go on at most (seconds, or 12h, 24h); after it the credentials are not renewed and the block says so',
    defaultDescription: '12h',
    commands: ['serve'],
  },
  background: {
    type: 'boolean',
    description: 'the background refresh itself',
    hidden: true,
    commands: ['serve'],
  },
  json: {
    type: 'boolean',
    description: 'machine-readable output',
    commands: ['verify'],
  },
  'target-account': {
    type: 'string',
    description: 'account A, which owns the deploy role',
    commands: ['policies'],
  },
  'source-account': {
    type: 'string',
    description: 'account B, where the Jenkins agents run',
    commands: ['policies'],
  },
  'source-role': {
    type: 'string',
    description: "the agents' instance-profile role in account B; the trust policy then trusts only it",
    defaultDescription: 'none: the trust policy trusts all of account B; the templates name the role jenkins-agent',
    commands: ['policies'],
  },
  'also-trust': {
    type: 'array',
    valueName: 'ARN',
    separator: ',',
    description:
      "another principal the deploy role's trust policy trusts: an IAM role or user ARN (the role people use to reproduce a CI run locally); repeatable or comma-separated",
    commands: ['policies'],
  },
  'oidc-issuer': {
    type: 'string',
    valueName: 'URL',
    description:
      "keyless: the IAM OIDC provider for this issuer (the id tokens' iss) and a trust policy for its tokens, instead of account B's documents",
    commands: ['policies'],
  },
  'oidc-subject': {
    type: 'array',
    valueName: 'SUB',
    separator: ',',
    description: "with --oidc-issuer: a token subject (a job's URL) the role accepts; repeatable, required; * matches as StringLike",
    commands: ['policies'],
  },
  'with-tags': {
    type: 'boolean',
    description: 'the trust and permission policies also allow sts:TagSession (for --tag, --jenkins-tags)',
    commands: ['policies'],
  },
  'with-source-identity': {
    type: 'boolean',
    description: 'the trust and permission policies also allow sts:SetSourceIdentity (for --source-identity)',
    commands: ['policies'],
  },
  'out-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'write the documents into this folder, one file per account (terraform: one folder per account), instead of stdout',
    commands: ['policies'],
  },
  verbose: {
    type: 'boolean',
    description: 'say each step on stderr; stack traces on errors',
    commands: [...ALL_COMMANDS, 'forget', 'jenkins'],
  },
  quiet: {
    type: 'boolean',
    description: 'say nothing but errors',
    commands: [...ALL_COMMANDS, 'forget'],
  },
  action: {
    type: 'string',
    description: "the Jenkins step's part: begin (before a block's body), end (after it), run (the command form)",
    choices: ['begin', 'end', 'run'],
    hidden: true,
    commands: ['jenkins'],
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** `role-arn` -> `WITH_ASSUMED_ROLE_ROLE_ARN`. */
export function envVarName(option: string): string {
  return ENV_PREFIX + option.toUpperCase().replaceAll('-', '_');
}

/** The options a command takes, with its own wording and choices applied (hidden ones too: they parse). */
export function optionsOf(command: CommandName): [OptionName, OptionSpec][] {
  return (Object.entries(OPTIONS) as [OptionName, OptionSpec][])
    .filter(([, spec]) => spec.commands.includes(command))
    .map(([name, spec]) => [name, { ...spec, ...spec.perCommand?.[command] }]);
}
