// STS and network errors -> what kind of failure it is, matched by name/Code
// (never instanceof: bundling makes several copies of each SDK class). Pure.

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
  | 'validation'
  | 'unknown';

export interface StsFailure {
  kind: StsFailureKind;
  /** STS's error code, or the network error code. */
  code: string;
  /** STS's own text, one line, never a secret (STS does not echo keys). */
  message: string;
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

/** Sorts any error from an STS call into one kind. */
export function classifyStsFailure(error: unknown): StsFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const code = typeof shape.Code === 'string' ? shape.Code : typeof shape.code === 'string' ? shape.code : name;
  const message = (typeof shape.message === 'string' ? shape.message : String(error)).split('\n')[0] ?? '';
  const status = shape.$metadata?.httpStatusCode;
  const failure = (kind: StsFailureKind): StsFailure => ({ kind, code, message });

  if (name === 'AbortError') return failure('aborted');
  if (THROTTLING.has(code) || THROTTLING.has(name) || status === 429) return failure('throttled');
  if (REFUSED.has(code) || REFUSED.has(name)) return failure('refused');
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
  return failure.kind === 'throttled' || failure.kind === 'server' || failure.kind === 'network' || failure.kind === 'timeout';
}
