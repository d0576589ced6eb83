import { describe, expect, it } from 'vitest';
import { classifyStsFailure, isRetryable } from '../../../src/credentials/sts-failure.ts';

const sdkError = (name: string, message: string, status: number, fault = status >= 500 ? 'server' : 'client') =>
  Object.assign(new Error(message), { name, Code: name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('classifyStsFailure', () => {
  it.each([
    [sdkError('Throttling', 'Rate exceeded', 400), 'throttled', true],
    [sdkError('TooManyRequestsException', 'slow down', 429), 'throttled', true],
    [sdkError('InternalFailure', 'An internal error occurred.', 500), 'server', true],
    [sdkError('ServiceUnavailable', 'unavailable', 503), 'server', true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'network', true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network', true],
    [Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'timeout', true],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'aborted', false],
    [sdkError('AccessDenied', 'User: x is not authorized', 403), 'refused', false],
    [sdkError('ExpiredToken', 'The security token included in the request is expired', 400), 'refused', false],
    [sdkError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403), 'refused', false],
    [sdkError('SignatureDoesNotMatch', 'signature', 403), 'refused', false],
    [Object.assign(sdkError('MalformedPolicyDocumentException', 'bad', 400), { Code: 'MalformedPolicyDocument' }), 'validation', false],
    [sdkError('RegionDisabledException', 'STS is not activated in this region', 403), 'region-disabled', false],
    [
      sdkError(
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        400,
      ),
      'chaining',
      false,
    ],
    [
      sdkError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 400),
      'max-session-duration',
      false,
    ],
    [sdkError('ValidationError', '1 validation error detected', 400), 'validation', false],
    [
      Object.assign(new Error('@aws-sdk XML parse error: expected ">" not found.\n  Deserialization error: ...'), {
        $metadata: { httpStatusCode: 200 },
      }),
      'malformed',
      false,
    ],
    [new Error('something odd'), 'unknown', false],
  ])('%s -> %s (retry: %s)', (error, kind, retry) => {
    const failure = classifyStsFailure(error);
    expect(failure.kind).toBe(kind);
    expect(isRetryable(failure)).toBe(retry);
    expect(failure.message).not.toContain('\n');
  });
});

describe('classifyStsFailure through a proxy', () => {
  const connectRefused = (status: number, text: string) =>
    Object.assign(new Error(`CONNECT sts.amazonaws.com:443: ${status} ${text}`), {
      name: 'ProxyConnectRefused',
      code: 'ProxyConnectRefused',
      $metadata: { httpStatusCode: status },
    });
  it.each([
    [connectRefused(407, 'Proxy Authentication Required'), false, 'proxy-auth', false],
    [connectRefused(401, 'Unauthorized'), false, 'proxy-auth', false],
    [connectRefused(403, 'Forbidden'), false, 'proxy', false],
    [connectRefused(502, 'Bad Gateway'), false, 'proxy', true],
    [Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 401 } }), true, 'proxy-auth', false],
    [Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }), true, 'proxy', true],
    [sdkError('AccessDenied', 'User: x is not authorized', 403), true, 'refused', false],
    [Object.assign(new Error('self-signed'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), true, 'tls', false],
  ])('%s (proxied: %s) -> %s (retry: %s)', (error, proxied, kind, retry) => {
    const failure = classifyStsFailure(error, proxied);
    expect(failure.kind).toBe(kind);
    expect(isRetryable(failure)).toBe(retry);
  });
});
