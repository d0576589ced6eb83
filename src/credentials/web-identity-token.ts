// An OIDC id token (a JWT) in a file: read at each assumption, its claims decoded
// for messages only (never verified here: STS verifies it), never shown whole.
import { readFileSync } from 'node:fs';
import { formatDuration } from '../domain/duration.ts';
import { ConfigurationError } from '../domain/errors.ts';

export interface TokenClaims {
  iss?: string | undefined;
  aud?: string | string[] | undefined;
  sub?: string | undefined;
  /** Seconds since the epoch. */
  exp?: number | undefined;
}

export interface WebIdentityToken {
  path: string;
  token: string;
  claims: TokenClaims;
}

const notAToken = (path: string, what: string, cause?: unknown) =>
  new ConfigurationError(`web identity token ${path}: ${what}`, {
    fix: "point --web-identity-token-file at the file holding the id token (a JWT: three dot-separated parts), as Jenkins' OpenID Connect credentials write it",
    cause,
  });

/** The token's payload, decoded; undefined when it is not a JWT. */
export function decodeClaims(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[\w-]*$/.test(part)) || parts[1] === '') return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
    const claims = payload as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const aud = claims.aud;
    return {
      iss: text(claims.iss),
      aud:
        typeof aud === 'string' || (Array.isArray(aud) && aud.every((item) => typeof item === 'string'))
          ? (aud as string | string[])
          : undefined,
      sub: text(claims.sub),
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The token in `path`, read now; missing, empty or not a JWT is a configuration error (78) naming the path. */
export function readWebIdentityToken(path: string): WebIdentityToken {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw notAToken(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`, error);
  }
  if (token === '') throw notAToken(path, 'is empty');
  const claims = decodeClaims(token);
  if (claims === undefined) throw notAToken(path, 'does not hold a JWT');
  return { path, token, claims };
}

const audienceOf = (claims: TokenClaims) => (Array.isArray(claims.aud) ? claims.aud.join(', ') : (claims.aud ?? 'none'));

/** `issuer https://ci.example.com/oidc, audience sts.amazonaws.com, subject https://..., expires in 54m`. */
export function describeClaims(claims: TokenClaims, nowMs: number): string {
  return [
    `issuer ${claims.iss ?? 'none'}`,
    `audience ${audienceOf(claims)}`,
    `subject ${claims.sub ?? 'none'}`,
    describeExpiry(claims, nowMs),
  ].join(', ');
}

/** `expires in 54m`, `expired 3m ago`, `no expiry`. */
export function describeExpiry(claims: TokenClaims, nowMs: number): string {
  if (claims.exp === undefined) return 'no expiry';
  const left = Math.round(claims.exp - nowMs / 1000);
  return left > 0 ? `expires in ${formatDuration(left)}` : `expired ${formatDuration(Math.max(-left, 1))} ago`;
}
