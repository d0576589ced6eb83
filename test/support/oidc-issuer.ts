// A test OpenID Connect issuer: an RSA key made in the test, and id tokens (RS256
// JWTs) minted per case, as Jenkins' OpenID Connect Provider plugin issues them.
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TokenClaims {
  iss?: string;
  aud?: string | string[];
  sub?: string;
  exp?: number;
  iat?: number;
  [claim: string]: unknown;
}

export interface TestIssuer {
  issuer: string;
  publicKey: KeyObject;
  /** An id token: issued now, valid for an hour, audience sts.amazonaws.com, unless `claims` say otherwise. */
  mint(claims?: TokenClaims): string;
  /** The same, written to a new file (as the credentials binding writes it); its path. */
  mintFile(claims?: TokenClaims): string;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function createTestIssuer(issuer = 'https://ci.example.com/oidc', subject = 'https://ci.example.com/job/app/'): TestIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'war-oidc-'));
  let minted = 0;
  const mint = (claims: TokenClaims = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'test' }));
    const payload = base64url(
      JSON.stringify({ iss: issuer, aud: 'sts.amazonaws.com', sub: subject, iat: now, exp: now + 3600, ...claims }),
    );
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
    return `${header}.${payload}.${base64url(signature)}`;
  };
  return {
    issuer,
    publicKey,
    mint,
    mintFile(claims) {
      minted += 1;
      const path = join(dir, `id-token-${minted}`);
      writeFileSync(path, mint(claims), { mode: 0o600 });
      return path;
    },
  };
}
