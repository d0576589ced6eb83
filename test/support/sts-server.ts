// The project's own loopback AWS endpoint for tests, the demo and the benchmark:
// STS (AssumeRole, GetCallerIdentity over the query protocol, SigV4 checked) and
// an EC2 instance-metadata service, each with fault modes and a call log.
import { type KeyObject, randomBytes, randomUUID, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { parseAuthorization, verifySignature } from './sigv4.ts';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface Identity extends Credentials {
  arn: string;
  account: string;
  userId: string;
  /** A role session (assumed role, instance profile): STS caps its chained sessions at one hour. */
  roleSession: boolean;
  expiresAt?: number;
  /** For generation-based expiry: the role session this belongs to, and its place in it. */
  session?: string;
  generation?: number;
  /** An MFA session (GetSessionToken with a device's code), or a role assumed from one: aws:MultiFactorAuthPresent. */
  mfa?: boolean;
}

export interface StsCall {
  action: string;
  params: Record<string, string>;
  /** The access key the request was signed with, when it had one. */
  accessKeyId?: string;
  /** What the server answered: an STS error code, or 'OK'. */
  outcome: string;
  /** When it arrived (Date.now()). */
  receivedAt: number;
  /** When it was answered (Date.now()), once it was. */
  answeredAt?: number;
  /** AssumeRoleWithWebIdentity: whether the request carried an Authorization header (it must not). */
  signed?: boolean;
}

export type StsErrorCode =
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'ValidationError'
  | 'MalformedPolicyDocument'
  | 'PackedPolicyTooLarge'
  | 'RegionDisabledException'
  | 'InvalidIdentityToken'
  | 'ExpiredTokenException'
  | 'IDPRejectedClaim'
  | 'IDPCommunicationError'
  | 'Throttling'
  | 'InternalFailure'
  | 'ServiceUnavailable';

export interface StsFaults {
  /** The first N AssumeRole calls are throttled. */
  throttleFirst?: number;
  /** The first N AssumeRole calls fail with HTTP 500. */
  serverErrorFirst?: number;
  /** The first N AssumeRole calls are never answered (Infinity: none is). */
  hangFirst?: number;
  /** Every AssumeRole call is refused with this code and STS's own message... */
  refuse?: StsErrorCode;
  /** ...from this AssumeRole call on (1 = the first), when set. */
  refuseFrom?: number;
  /** These AssumeRole calls (1 = the first) fail with HTTP 500. */
  serverErrorOn?: number[];
  /** AssumeRole answers 200 with a body that is not an STS response. */
  garbage?: boolean;
  /** AssumeRole answers after this many milliseconds. */
  delayMs?: number;
  /**
   * AssumeRole calls wait until this many have arrived, then are all answered at once
   * (and later ones at once): runs or blocks that reach STS together, which two cores
   * cannot start together.
   */
  holdUntilCalls?: number;
  /** AssumeRole beyond this rate is throttled, as STS's request quota: a token bucket of `burst` filled at `perSecond`. */
  rate?: { perSecond: number; burst: number };
  /** Every Nth AssumeRole call (N, 2N, ...) that gets past the rate fails with HTTP 500. */
  serverErrorEvery?: number;
  /** AssumeRole answers with a session of the role in this account, whatever was asked (an endpoint for another account). */
  answerAccount?: string;
  /** The first N AssumeRoleWithWebIdentity calls: AWS could not reach the token's issuer. */
  idpUnreachableFirst?: number;
  /** AssumeRoleWithWebIdentity: the identity provider rejects the token's claims. */
  idpRejectsClaims?: boolean;
}

/** An IAM OIDC identity provider of the test account: whose tokens, verified with which key, for which client IDs. */
export interface OidcProvider {
  issuer: string;
  publicKey: KeyObject;
  clientIds: string[];
}

export interface ImdsFaults {
  /** The first N metadata requests are never answered. */
  hangFirst?: number;
  /** The first request to each of these paths is never answered. */
  hangOnce?: string[];
  /** Refuse requests without an IMDSv2 token (hop limit 1 seen from a container). */
  tokenUnreachable?: boolean;
}

export interface RoleSettings {
  maxSessionDuration?: number;
  /** The trust policy's principals: callers whose ARN starts with one of these (none given: anyone). */
  trusts?: string[];
  /** The trust policy asks for aws:MultiFactorAuthPresent. */
  requireMfa?: boolean;
  /** The trust policy lacks sts:TagSession: AssumeRole with tags is refused. */
  denyTagSession?: boolean;
  /** The trust policy lacks sts:SetSourceIdentity: AssumeRole with a source identity is refused. */
  denySetSourceIdentity?: boolean;
}

/** What an AssumeRole asked for besides the role: the query parameters, read back. */
export interface SessionRequest {
  tags: { key: string; value: string }[];
  transitiveTagKeys: string[];
  sourceIdentity: string | undefined;
  policy: string | undefined;
  policyArns: string[];
}

/** `Name.member.1`, `Name.member.2`, ... of a query request, in order. */
function members(params: Record<string, string>, name: string, field = ''): string[] {
  const values: string[] = [];
  for (let index = 1; params[`${name}.member.${index}${field}`] !== undefined; index += 1) {
    values.push(params[`${name}.member.${index}${field}`] as string);
  }
  return values;
}

export function sessionRequestOf(params: Record<string, string>): SessionRequest {
  const keys = members(params, 'Tags', '.Key');
  const values = members(params, 'Tags', '.Value');
  return {
    tags: keys.map((key, index) => ({ key, value: values[index] ?? '' })),
    transitiveTagKeys: members(params, 'TransitiveTagKeys'),
    sourceIdentity: params.SourceIdentity,
    policy: params.Policy,
    policyArns: members(params, 'PolicyArns', '.arn'),
  };
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** STS's checks of tags, transitive keys, source identity and session policies. */
function validateSession(session: SessionRequest): { code: StsErrorCode; message: string } | undefined {
  const invalid = (message: string) => ({ code: 'ValidationError' as const, message });
  if (session.tags.length > 50)
    return invalid(
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
  const keys = new Set<string>();
  for (const { key, value } of session.tags) {
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key) || /^aws:/i.test(key)) return invalid(`Tag key ${key} is invalid`);
    if (value.length > 256 || !TAG_TEXT.test(value)) return invalid(`Tag value for ${key} is invalid`);
    if (keys.has(key.toLowerCase())) return invalid('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    keys.add(key.toLowerCase());
  }
  for (const key of session.transitiveTagKeys) {
    if (!keys.has(key.toLowerCase())) return invalid(`The transitive tag key ${key} is not one of the session's tags`);
  }
  if (session.sourceIdentity !== undefined && !/^[\w+=,.@-]{2,64}$/.test(session.sourceIdentity))
    return invalid('Source identity is invalid');
  if (session.policy !== undefined) {
    try {
      const document = JSON.parse(session.policy) as Record<string, unknown>;
      if (!('Statement' in document)) throw new Error('no Statement');
    } catch {
      return {
        code: 'MalformedPolicyDocument',
        message: errorMessage('MalformedPolicyDocument', { caller: '', roleArn: '', account: '' }),
      };
    }
    if (session.policy.length > 2048)
      return invalid(
        "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048",
      );
  }
  if (session.policyArns.length > 10)
    return invalid(
      "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10",
    );
  return undefined;
}

/**
 * Emulates STS packing tags and session policies into one space: this many
 * characters of tag keys and values, policy text and 100 per managed policy.
 */
export const PACKED_LIMIT = 4000;

/** Real STS texts, so tests see what users see. */
function errorMessage(code: StsErrorCode, context: { caller: string; roleArn: string; account: string }): string {
  switch (code) {
    case 'AccessDenied':
      return `User: ${context.caller} is not authorized to perform: sts:AssumeRole on resource: ${context.roleArn}`;
    case 'ExpiredToken':
      return 'The security token included in the request is expired';
    case 'InvalidClientTokenId':
      return 'The security token included in the request is invalid.';
    case 'SignatureDoesNotMatch':
      return 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
    case 'ValidationError':
      return "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20";
    case 'MalformedPolicyDocument':
      return 'The policy is not in the valid JSON format.';
    case 'PackedPolicyTooLarge':
      return 'Packed policy consumes 112% of allotted space, please use smaller policy.';
    case 'InvalidIdentityToken':
      return 'The web identity token that was passed could not be validated by AWS.';
    case 'ExpiredTokenException':
      return 'Token expired';
    case 'IDPRejectedClaim':
      return 'The identity provider rejected the claims in the token.';
    case 'IDPCommunicationError':
      return 'The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.';
    case 'RegionDisabledException':
      return `STS is not activated in this region for account:${context.account}. Your account administrator can activate STS in this region using the IAM Console.`;
    case 'Throttling':
      return 'Rate exceeded';
    case 'InternalFailure':
      return 'An internal error occurred.';
    case 'ServiceUnavailable':
      return 'Service is unavailable.';
  }
}

const STATUS: Record<StsErrorCode, number> = {
  AccessDenied: 403,
  ExpiredToken: 400,
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  ValidationError: 400,
  MalformedPolicyDocument: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  InvalidIdentityToken: 400,
  ExpiredTokenException: 400,
  IDPRejectedClaim: 403,
  IDPCommunicationError: 400,
  Throttling: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function randomText(alphabet: string, length: number): string {
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** Fresh credentials shaped like STS's: the secret and token hold '/' and '+', as real ones do. */
export function generateCredentials(prefix = 'ASIA'): Required<Credentials> {
  return {
    accessKeyId: prefix + randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
    secretAccessKey: `${randomText(BASE64, 18)}/${randomText(BASE64, 10)}+${randomText(BASE64, 10)}`,
    sessionToken: `IQoJb3JpZ2luX2Vj${randomText(BASE64, 200)}/${randomText(BASE64, 100)}+${randomText(BASE64, 60)}==`,
  };
}

const xmlEscape = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

export class StsTestServer {
  readonly calls: StsCall[] = [];
  readonly imdsCalls: string[] = [];
  faults: StsFaults = {};
  imdsFaults: ImdsFaults = {};
  /** Credentials the next AssumeRole calls hand out, in order (canaries); random once used up. */
  readonly nextCredentials: Required<Credentials>[] = [];
  /** Seconds issued credentials live, whatever DurationSeconds asked for (refresh tests). */
  lifetimeSeconds: number | undefined;
  /**
   * How issued credentials stop working: at their Expiration ('time'), or once two newer
   * ones were issued for the same role session ('generations'): refresh tests then wait
   * for events, not for the clock, while clients still see a short Expiration.
   */
  expiry: 'time' | 'generations' = 'time';
  /** Web identity tokens STS accepts, each for the roles listed. */
  readonly webIdentityTokens = new Map<string, Set<string>>();
  /** OIDC providers by issuer, and the roles trusting their tokens for the subjects listed (glob `*`). */
  readonly oidcProviders = new Map<string, OidcProvider>();
  readonly oidcTrusts = new Map<string, { issuer: string; subjects: string[] }>();
  /** Called with each STS call as it arrives, before it is answered: a test acts between two calls without a clock. */
  onCall: ((call: StsCall) => void) | undefined;
  /** EC2 DescribeInstances: instances per region (any region not listed has none)... */
  ec2Instances: Record<string, number> = {};
  /** ...and regions where it is refused with UnauthorizedOperation. */
  ec2Denied = new Set<string>();
  private readonly identities = new Map<string, Identity>();
  /** MFA devices by serial: their user, the codes they show, and the codes used (each works once). */
  private readonly mfaDevices = new Map<string, { user: string; codes: Set<string>; used: Set<string> }>();
  private readonly roles = new Map<string, RoleSettings>();
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private tlsServer: Server | undefined;
  private tlsPort = 0;
  private host = '127.0.0.1';
  private readonly generations = new Map<string, number>();
  /** faults.rate's bucket: tokens left, and when it was last filled. */
  private bucket: { tokens: number; at: number } | undefined;
  private admitted = 0;
  /** faults.holdUntilCalls' gate, opened by the call that makes the number. */
  private gate: { open: Promise<void>; release(): void } | undefined;
  private readonly handler: RequestListener;
  private instanceProfile: (Required<Credentials> & { role: string }) | undefined;
  private containerCredentials: Required<Credentials> | undefined;
  private port = 0;

  constructor() {
    this.handler = (request, response) => {
      this.route(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    };
    this.server = this.track(createServer(this.handler));
  }

  private track(server: Server): Server {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  /** Back to how it started, but for its users and roles: no faults, no log, no planned answers. */
  reset(): void {
    this.faults = {};
    this.bucket = undefined;
    this.admitted = 0;
    this.gate = undefined;
    this.imdsFaults = {};
    this.lifetimeSeconds = undefined;
    this.ec2Instances = {};
    this.ec2Denied = new Set();
    this.calls.length = 0;
    this.imdsCalls.length = 0;
    this.containerCalls.length = 0;
    this.containerToken = undefined;
    this.nextCredentials.length = 0;
    this.expiry = 'time';
    this.webIdentityTokens.clear();
    this.oidcProviders.clear();
    this.oidcTrusts.clear();
    this.onCall = undefined;
    this.roles.clear();
    this.mfaDevices.clear();
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** The same endpoint over TLS, once startTls ran. */
  get tlsUrl(): string {
    return `https://${this.host}:${this.tlsPort}`;
  }

  get tlsPortNumber(): number {
    return this.tlsPort;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    this.host = host;
    await new Promise<void>((resolve) => this.server.listen(port, host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Serves the same answers over TLS with this key and certificate. */
  async startTls(tls: { key: string; cert: string }): Promise<this> {
    const server = this.track(createTlsServer(tls, this.handler) as unknown as Server);
    await new Promise<void>((resolve) => server.listen(0, this.host, resolve));
    this.tlsServer = server;
    this.tlsPort = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const closing = [this.server, this.tlsServer].filter((server): server is Server => server !== undefined);
    await Promise.all(closing.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  /** A long-term IAM user whose keys can call STS: the source credentials of a test. */
  addUser(arn: string, credentials: Credentials = generateCredentials('AKIA')): Credentials {
    const account = arn.split(':')[4] ?? '000000000000';
    const { sessionToken: _ignored, ...longTerm } = credentials;
    this.identities.set(longTerm.accessKeyId, {
      ...longTerm,
      arn,
      account,
      userId: `AIDA${randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}`,
      roleSession: false,
    });
    return longTerm;
  }

  /** An MFA device of the user `userArn`, showing `codes` (each accepted once). */
  addMfaDevice(serial: string, userArn: string, codes: string[]): void {
    this.mfaDevices.set(serial, { user: userArn, codes: new Set(codes), used: new Set() });
  }

  /** Who signed a call with this access key: the identity's ARN, or undefined for a key STS does not know. */
  identityOf(accessKeyId: string | undefined): string | undefined {
    return accessKeyId === undefined ? undefined : this.identities.get(accessKeyId)?.arn;
  }

  sessionTokenCalls(): StsCall[] {
    return this.calls.filter((call) => call.action === 'GetSessionToken');
  }

  /** Declares a role's settings; roles not declared can be assumed with defaults. */
  addRole(arn: string, settings: RoleSettings): void {
    this.roles.set(arn, settings);
  }

  /** New credentials of a session of `role`, known to STS here as a role session lasting six hours. */
  addRoleSession(account: string, role: string, session: string): Required<Credentials> {
    const credentials = generateCredentials();
    this.identities.set(credentials.accessKeyId, {
      ...credentials,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
      account,
      userId: `AROA${randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}:${session}`,
      roleSession: true,
      expiresAt: Date.now() + 6 * 3600_000,
    });
    return credentials;
  }

  /** Serves a role session at /latest/meta-data/iam/security-credentials/<role>: an EC2 instance profile. */
  setInstanceProfile(account: string, role: string): Required<Credentials> {
    const credentials = this.addRoleSession(account, role, 'i-0123456789abcdef0');
    this.instanceProfile = { ...credentials, role };
    return credentials;
  }

  assumeRoleCalls(): StsCall[] {
    return this.calls.filter((call) => call.action === 'AssumeRole');
  }

  webIdentityCalls(): StsCall[] {
    return this.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity');
  }

  /** STS accepts `token` for AssumeRoleWithWebIdentity into `roleArn`. */
  /** Registers an OIDC provider and makes `roleArn` trust its tokens for `subjects`. */
  trustOidc(provider: OidcProvider, roleArn: string, subjects: string[]): void {
    this.oidcProviders.set(provider.issuer, provider);
    this.oidcTrusts.set(roleArn, { issuer: provider.issuer, subjects });
  }

  trustWebIdentity(token: string, roleArn: string): void {
    const roles = this.webIdentityTokens.get(token) ?? new Set<string>();
    roles.add(roleArn);
    this.webIdentityTokens.set(token, roles);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const path = request.url ?? '/';
    if (path.startsWith('/latest/')) return this.serveMetadata(request, response, path);
    if (path === '/container-credentials') return this.serveContainerCredentials(request, response);
    const params = Object.fromEntries(new URLSearchParams(request.method === 'POST' ? body.toString() : path.split('?')[1]));
    const action = params.Action ?? '';
    const call: StsCall = { action, params, outcome: 'pending', receivedAt: Date.now() };
    this.calls.push(call);
    this.onCall?.(call);
    const reply = (status: number, xml: string, outcome: string) => {
      call.outcome = outcome;
      call.answeredAt = Date.now();
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() }).end(xml);
    };
    const fail = (code: StsErrorCode, message?: string) =>
      reply(
        STATUS[code],
        errorXml(
          code,
          message ??
            errorMessage(code, { caller: caller?.arn ?? 'unknown', roleArn: params.RoleArn ?? '', account: caller?.account ?? '' }),
        ),
        code,
      );

    if (action === 'AssumeRoleWithWebIdentity') {
      call.signed = request.headers.authorization !== undefined;
      const refuse = (code: StsErrorCode, message?: string) =>
        reply(
          STATUS[code],
          errorXml(code, message ?? errorMessage(code, { caller: 'web identity', roleArn: params.RoleArn ?? '', account: '' })),
          code,
        );
      return this.assumeRoleWithWebIdentity(params, reply, refuse);
    }
    const auth = parseAuthorization(request.headers.authorization);
    if (auth !== undefined) call.accessKeyId = auth.accessKeyId;
    const caller = auth === undefined ? undefined : this.identities.get(auth.accessKeyId);
    if (auth === undefined || caller === undefined) return fail('InvalidClientTokenId');
    if (caller.sessionToken !== undefined && request.headers['x-amz-security-token'] !== caller.sessionToken)
      return fail('InvalidClientTokenId');
    if (!verifySignature({ method: request.method ?? 'POST', path, headers: request.headers, body }, auth, caller.secretAccessKey))
      return fail('SignatureDoesNotMatch');
    if (this.isExpired(caller)) return fail('ExpiredToken');

    if (action === 'GetCallerIdentity') {
      return reply(
        200,
        wrap(
          'GetCallerIdentity',
          `<Arn>${xmlEscape(caller.arn)}</Arn><UserId>${xmlEscape(caller.userId)}</UserId><Account>${caller.account}</Account>`,
        ),
        'OK',
      );
    }
    if (action === 'DescribeInstances') return this.describeInstances(auth.region, caller.arn, reply);
    if (action === 'GetSessionToken') return this.getSessionToken(params, caller, reply, fail);
    if (action !== 'AssumeRole')
      return reply(400, errorXml('InvalidAction', `Could not find operation ${action} for version 2011-06-15`), 'InvalidAction');

    const index = this.assumeRoleCalls().length;
    const { faults } = this;
    if (index <= (faults.hangFirst ?? 0)) {
      call.outcome = 'hang';
      return;
    }
    if (faults.holdUntilCalls !== undefined) await this.atGate(faults.holdUntilCalls, index);
    if (faults.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, faults.delayMs));
    if (index <= (faults.throttleFirst ?? 0)) return fail('Throttling');
    if (faults.rate !== undefined && !this.takeToken(faults.rate)) return fail('Throttling');
    if (faults.serverErrorEvery !== undefined) {
      this.admitted += 1;
      if (this.admitted % faults.serverErrorEvery === 0) return fail('InternalFailure');
    }
    if (index <= (faults.serverErrorFirst ?? 0)) return fail('InternalFailure');
    if (faults.serverErrorOn?.includes(index)) return fail('InternalFailure');
    if (faults.refuse !== undefined && index >= (faults.refuseFrom ?? 1)) return fail(faults.refuse);
    if (faults.garbage) {
      call.outcome = 'garbage';
      response.writeHead(200, { 'content-type': 'text/xml' }).end('<html><body>502 Bad Gateway from a proxy</body></html');
      return;
    }

    const invalid = this.validateRequest(params, caller.roleSession);
    if (invalid !== undefined) return fail(invalid.code, invalid.message);
    const session = sessionRequestOf(params);
    const role = this.roles.get(params.RoleArn ?? '');
    if (role?.trusts !== undefined && !role.trusts.some((principal) => caller.arn.startsWith(principal))) return fail('AccessDenied');
    if (role?.requireMfa && !caller.mfa && !this.acceptCode(params.SerialNumber, params.TokenCode, caller.arn)) return fail('AccessDenied');
    const notAuthorized = (action: string) =>
      fail('AccessDenied', `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${params.RoleArn}`);
    if (session.tags.length > 0 && role?.denyTagSession) return notAuthorized('sts:TagSession');
    if (session.sourceIdentity !== undefined && role?.denySetSourceIdentity) return notAuthorized('sts:SetSourceIdentity');
    const packed =
      session.tags.reduce((sum, tag) => sum + tag.key.length + tag.value.length, 0) +
      (session.policy?.length ?? 0) +
      100 * session.policyArns.length;
    if (packed > PACKED_LIMIT) return fail('PackedPolicyTooLarge');
    // MFA is present in a role assumed from an MFA session, not in one chained from that role.
    return reply(200, wrap('AssumeRole', this.issue(params, faults.answerAccount, caller.mfa === true && !caller.roleSession)), 'OK');
  }

  /** Waits until the `calls`th AssumeRole call has arrived; `index` is this one's. */
  private atGate(calls: number, index: number): Promise<void> {
    if (this.gate === undefined) {
      let release = () => {};
      const open = new Promise<void>((resolve) => (release = resolve));
      this.gate = { open, release };
    }
    if (index >= calls) this.gate.release();
    return this.gate.open;
  }

  /** One token from the bucket, filled at the rate since it was last: false when it is empty (Throttling). */
  private takeToken(rate: { perSecond: number; burst: number }): boolean {
    const now = performance.now();
    const bucket = this.bucket ?? { tokens: rate.burst, at: now };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
    bucket.at = now;
    this.bucket = bucket;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Whether `code` is one `serial` shows, of `userArn`'s device, not used before: then it is used. */
  private acceptCode(serial: string | undefined, code: string | undefined, userArn: string): boolean {
    const device = serial === undefined ? undefined : this.mfaDevices.get(serial);
    if (device === undefined || code === undefined || device.user !== userArn || !device.codes.has(code) || device.used.has(code))
      return false;
    device.used.add(code);
    return true;
  }

  /** GetSessionToken: an IAM user's own keys (never a session's), with an MFA device's code when one is given. */
  private getSessionToken(
    params: Record<string, string>,
    caller: Identity,
    reply: (status: number, xml: string, outcome: string) => void,
    fail: (code: StsErrorCode, message?: string) => void,
  ): void {
    if (caller.roleSession || caller.sessionToken !== undefined) {
      fail('AccessDenied', 'Cannot call GetSessionToken with session credentials');
      return;
    }
    const withMfa = params.SerialNumber !== undefined;
    if (withMfa && !this.acceptCode(params.SerialNumber, params.TokenCode, caller.arn)) {
      fail('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
      return;
    }
    const credentials = this.nextCredentials.shift() ?? generateCredentials();
    const expiresAt = Date.now() + Number(params.DurationSeconds ?? 43200) * 1000;
    this.identities.set(credentials.accessKeyId, {
      ...credentials,
      arn: caller.arn,
      account: caller.account,
      userId: caller.userId,
      roleSession: false,
      expiresAt,
      mfa: withMfa,
    });
    reply(
      200,
      wrap(
        'GetSessionToken',
        `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>` +
          `<SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration></Credentials>`,
      ),
      'OK',
    );
  }

  /** What STS checks of any AssumeRole*: the ARN, the session name, the duration, its limits. */
  private validateRequest(params: Record<string, string>, chained: boolean): { code: StsErrorCode; message: string } | undefined {
    const roleArn = params.RoleArn ?? '';
    const sessionName = params.RoleSessionName ?? '';
    const duration = Number(params.DurationSeconds ?? 3600);
    if (ROLE_ARN.exec(roleArn) === null) return { code: 'ValidationError', message: `${roleArn} is invalid` };
    if (!SESSION_NAME.test(sessionName)) {
      return {
        code: 'ValidationError',
        message: `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      };
    }
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      return {
        code: 'ValidationError',
        message: `1 validation error detected: Value '${params.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200`,
      };
    }
    if (chained && duration > 3600) {
      return {
        code: 'ValidationError',
        message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      };
    }
    if (duration > (this.roles.get(roleArn)?.maxSessionDuration ?? 43200)) {
      return { code: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' };
    }
    return validateSession(sessionRequestOf(params));
  }

  /** New credentials of a session of the requested role (in `answerAccount`, if given): the Result element's XML. */
  private issue(params: Record<string, string>, answerAccount?: string, mfa = false): string {
    const roleArn = params.RoleArn ?? '';
    const sessionName = params.RoleSessionName ?? '';
    const role = ROLE_ARN.exec(roleArn) as RegExpExecArray;
    const credentials = this.nextCredentials.shift() ?? generateCredentials();
    const expiresAt = Date.now() + (this.lifetimeSeconds ?? Number(params.DurationSeconds ?? 3600)) * 1000;
    const account = answerAccount ?? (role[1] as string);
    const roleName = role[2] as string;
    const roleId = `AROA${randomText('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}`;
    const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
    const generation = (this.generations.get(arn) ?? 0) + 1;
    this.generations.set(arn, generation);
    this.identities.set(credentials.accessKeyId, {
      ...credentials,
      arn,
      account,
      userId: `${roleId}:${sessionName}`,
      roleSession: true,
      expiresAt,
      session: arn,
      generation,
      mfa,
    });
    return (
      `<AssumedRoleUser><AssumedRoleId>${roleId}:${xmlEscape(sessionName)}</AssumedRoleId><Arn>${xmlEscape(arn)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(credentials.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xmlEscape(credentials.sessionToken)}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration></Credentials>` +
      '<PackedPolicySize>6</PackedPolicySize>'
    );
  }

  private isExpired(identity: Identity): boolean {
    if (this.expiry === 'generations' && identity.session !== undefined && identity.generation !== undefined) {
      return (this.generations.get(identity.session) ?? 0) - identity.generation >= 2;
    }
    return identity.expiresAt !== undefined && identity.expiresAt < Date.now();
  }

  /** AssumeRoleWithWebIdentity with a JWT: checked as STS checks it, with the registered providers' keys. */
  private assumeWithIdToken(
    params: Record<string, string>,
    token: string,
    reply: (status: number, xml: string, outcome: string) => void,
    fail: (code: StsErrorCode, message?: string) => void,
  ): void {
    const calls = this.calls.filter((call) => call.action === 'AssumeRoleWithWebIdentity').length;
    if (calls <= (this.faults.idpUnreachableFirst ?? 0)) {
      fail('IDPCommunicationError');
      return;
    }
    const [header = '', payload = '', signature = ''] = token.split('.');
    let claims: { iss?: string; aud?: string | string[]; sub?: string; exp?: number };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      fail('InvalidIdentityToken', 'The ID Token provided is not a valid JWT.');
      return;
    }
    const provider = this.oidcProviders.get(claims.iss ?? '');
    if (provider === undefined) {
      fail('InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${claims.iss}`);
      return;
    }
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), provider.publicKey, Buffer.from(signature, 'base64url'))) {
      fail('InvalidIdentityToken');
      return;
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
    if (!audiences.some((audience) => provider.clientIds.includes(audience))) {
      fail('InvalidIdentityToken', 'Incorrect token audience');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    if ((claims.exp ?? 0) <= now) {
      fail('ExpiredTokenException', `Token expired: current date/time ${now} must be before the expiration date/time${claims.exp}`);
      return;
    }
    if (this.faults.idpRejectsClaims) {
      fail('IDPRejectedClaim');
      return;
    }
    const trust = this.oidcTrusts.get(params.RoleArn ?? '');
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
    if (trust === undefined || trust.issuer !== claims.iss || !trust.subjects.some((subject) => glob(subject).test(claims.sub ?? ''))) {
      fail('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      return;
    }
    this.answerWebIdentity(params, reply, fail, { subject: claims.sub ?? '', audience: audiences[0] ?? '', provider: claims.iss ?? '' });
  }

  /** A web identity token accepted: the request's own checks, then the session, with what STS says of the token. */
  private answerWebIdentity(
    params: Record<string, string>,
    reply: (status: number, xml: string, outcome: string) => void,
    fail: (code: StsErrorCode, message?: string) => void,
    token: { subject: string; audience: string; provider?: string },
  ): void {
    const invalid = this.validateRequest(params, false);
    if (invalid !== undefined) {
      fail(invalid.code, invalid.message);
      return;
    }
    const provider = token.provider === undefined ? '' : `<Provider>${xmlEscape(token.provider)}</Provider>`;
    const result = this.issue(params).replace(
      '<PackedPolicySize>',
      `<SubjectFromWebIdentityToken>${xmlEscape(token.subject)}</SubjectFromWebIdentityToken><Audience>${xmlEscape(token.audience)}</Audience>${provider}<PackedPolicySize>`,
    );
    reply(200, wrap('AssumeRoleWithWebIdentity', result), 'OK');
  }

  /** AssumeRoleWithWebIdentity: unsigned; the token must be one STS was told to trust for the role. */
  private assumeRoleWithWebIdentity(
    params: Record<string, string>,
    reply: (status: number, xml: string, outcome: string) => void,
    fail: (code: StsErrorCode, message?: string) => void,
  ): void {
    const token = params.WebIdentityToken ?? '';
    const roles = this.webIdentityTokens.get(token);
    if (roles === undefined && token.split('.').length === 3) {
      this.assumeWithIdToken(params, token, reply, fail);
      return;
    }
    if (roles === undefined) {
      fail(
        'InvalidIdentityToken',
        "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
      );
      return;
    }
    if (!roles.has(params.RoleArn ?? '')) {
      fail('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
      return;
    }
    this.answerWebIdentity(params, reply, fail, { subject: 'system:serviceaccount:jenkins:agent', audience: 'sts.amazonaws.com' });
  }

  /** EC2's query protocol, just enough for verify: counts per region, or a refusal. */
  private describeInstances(region: string, caller: string, reply: (status: number, xml: string, outcome: string) => void): void {
    if (this.ec2Denied.has(region)) {
      const message = `You are not authorized to perform this operation. User: ${caller} is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action`;
      reply(
        403,
        `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
        'UnauthorizedOperation',
      );
      return;
    }
    const items = Array.from(
      { length: this.ec2Instances[region] ?? 0 },
      (_, index) =>
        `<item><instanceId>i-${String(index).padStart(17, '0')}</instanceId><instanceState><code>16</code><name>running</name></instanceState></item>`,
    );
    const reservations =
      items.length === 0
        ? ''
        : `<item><reservationId>r-0123456789abcdef0</reservationId><ownerId>000000000000</ownerId><groupSet/><instancesSet>${items.join('')}</instancesSet></item>`;
    reply(
      200,
      `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId><reservationSet>${reservations}</reservationSet></DescribeInstancesResponse>`,
      'OK',
    );
  }

  /** ECS-style container credentials at /container-credentials, for AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  setContainerRole(account: string, role: string): Required<Credentials> {
    this.containerCredentials = this.addRoleSession(account, role, 'task-0123456789');
    return this.containerCredentials;
  }

  /** Container credentials require this Authorization header, as EKS Pod Identity does (its token file's content). */
  containerToken: string | undefined;
  /** The Authorization header of each container-credentials request, in order. */
  readonly containerCalls: (string | undefined)[] = [];

  private serveContainerCredentials(request: IncomingMessage, response: ServerResponse): void {
    const credentials = this.containerCredentials;
    this.containerCalls.push(request.headers.authorization);
    if (credentials === undefined) return void response.writeHead(404).end();
    if (this.containerToken !== undefined && request.headers.authorization !== this.containerToken) {
      return void response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"AccessDeniedException"}');
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken,
        Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
      }),
    );
  }

  private serveMetadata(request: IncomingMessage, response: ServerResponse, path: string): void {
    this.imdsCalls.push(`${request.method} ${path}`);
    const index = this.imdsCalls.length;
    if (index <= (this.imdsFaults.hangFirst ?? 0)) return;
    const once = this.imdsFaults.hangOnce?.indexOf(path) ?? -1;
    if (once !== -1) {
      this.imdsFaults.hangOnce?.splice(once, 1);
      return;
    }
    if (request.method === 'PUT' && path === '/latest/api/token') {
      if (this.imdsFaults.tokenUnreachable) return void response.writeHead(403).end();
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end('imds-token-for-tests');
    }
    if (this.imdsFaults.tokenUnreachable || this.instanceProfile === undefined) return void response.writeHead(404).end();
    const profile = this.instanceProfile;
    const prefix = '/latest/meta-data/iam/security-credentials/';
    if (path === prefix) return void response.writeHead(200).end(profile.role);
    if (path === prefix + profile.role) {
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(
        JSON.stringify({
          Code: 'Success',
          LastUpdated: new Date().toISOString(),
          Type: 'AWS-HMAC',
          AccessKeyId: profile.accessKeyId,
          SecretAccessKey: profile.secretAccessKey,
          Token: profile.sessionToken,
          Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
        }),
      );
    }
    response.writeHead(404).end();
  }
}

function wrap(action: string, result: string): string {
  return `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function errorXml(code: string, message: string): string {
  const type = code === 'InternalFailure' || code === 'ServiceUnavailable' ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
