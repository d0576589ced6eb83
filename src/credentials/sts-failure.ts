// STS and network errors -> what kind of failure it is, matched by name/Code
// (never instanceof: bundling makes several copies of each SDK class). Pure.
import { PROXY_CONNECT_REFUSED } from '../aws/proxy-rules.ts';

export type StsFailureKind =
  | 'throttled'
  | 'server'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'malformed'
  | 'refused'
  | 'chaining'
  | 'max-session-duration'
  | 'region-disabled'
  | 'proxy-auth'
  | 'proxy'
  | 'tls'
  | 'idp-unreachable'
  | 'validation'
  | 'unknown';

export interface StsFailure {
  kind: StsFailureKind;
  /** STS's error code, or the network error code. */
  code: string;
  /** STS's own text, one line, never a secret (STS does not echo keys). */
  message: string;
  /** The HTTP status of the answer, when there was one. */
  status?: number | undefined;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'RequestThrottled',
]);
const REFUSED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  // AssumeRoleWithWebIdentity's refusals of the token.
  'InvalidIdentityToken',
  'IDPRejectedClaim',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ETIMEDOUT',
]);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Node's codes for a certificate TLS could not verify. */
const TLS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const CHAINING = /role chaining/i;
const MAX_SESSION = /MaxSessionDuration/;

/**
 * Sorts any error from an STS call into one kind. `proxied`: the request went through
 * a proxy, so an answer with no STS error in it is the proxy's own.
 */
export function classifyStsFailure(error: unknown, proxied = false): StsFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const code = typeof shape.Code === 'string' ? shape.Code : typeof shape.code === 'string' ? shape.code : name;
  const message = (typeof shape.message === 'string' ? shape.message : String(error)).split('\n')[0] ?? '';
  const status = shape.$metadata?.httpStatusCode;
  const failure = (kind: StsFailureKind): StsFailure => ({ kind, code, message, status });

  if (name === 'AbortError') return failure('aborted');
  if (status === 407) return failure('proxy-auth');
  // The proxy's answer to CONNECT (http-handler.ts), or, for http endpoints, a page with no STS error in it.
  if (code === PROXY_CONNECT_REFUSED || (proxied && code === 'Unknown' && status !== undefined)) {
    return failure(status === 401 ? 'proxy-auth' : 'proxy');
  }
  if (TLS.has(code)) return failure('tls');
  if (THROTTLING.has(code) || THROTTLING.has(name) || status === 429) return failure('throttled');
  if (REFUSED.has(code) || REFUSED.has(name)) return failure('refused');
  // AWS could not fetch the identity provider's keys: that may pass.
  if (code === 'IDPCommunicationError' || name === 'IDPCommunicationError') return failure('idp-unreachable');
  if (code === 'RegionDisabledException' || name === 'RegionDisabledException') return failure('region-disabled');
  if (code === 'ValidationError' || code === 'MalformedPolicyDocument' || code === 'PackedPolicyTooLarge') {
    if (CHAINING.test(message)) return failure('chaining');
    if (MAX_SESSION.test(message)) return failure('max-session-duration');
    return failure('validation');
  }
  if (TIMEOUT.has(name) || TIMEOUT.has(code)) return failure('timeout');
  if (NETWORK.has(code)) return failure('network');
  if (/Deserialization error|parse error|Unexpected token|Expected closing tag/i.test(message)) return failure('malformed');
  if (shape.$fault === 'server' || (status !== undefined && status >= 500)) return failure('server');
  if (status !== undefined && status >= 200 && status < 300) return failure('malformed');
  return failure('unknown');
}

/** Throttling, 5xx, network errors and timeouts are worth another attempt; nothing else is. */
export function isRetryable(failure: StsFailure): boolean {
  if (failure.kind === 'proxy') return failure.status === undefined || failure.status >= 500;
  return (
    failure.kind === 'throttled' ||
    failure.kind === 'server' ||
    failure.kind === 'network' ||
    failure.kind === 'timeout' ||
    failure.kind === 'idp-unreachable'
  );
}
