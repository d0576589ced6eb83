// AssumeRoleWithWebIdentity refused the token: what the token says (decoded here,
// never verified, never printed whole) against what STS and the trust policy need. Pure.
import { StsRefusedError, type WithAssumedRoleError } from '../domain/errors.ts';
import { parseRoleArn } from '../domain/role-arn.ts';
import { OIDC_AUDIENCE, oidcProviderArn, oidcProviderPath, oidcTrustStatement } from '../iam/policy-documents.ts';
import { type FailureContext, indent } from './failure-context.ts';
import type { StsFailure } from './sts-failure.ts';
import { describeClaims, describeExpiry, type WebIdentityToken } from './web-identity-token.ts';

/** A token STS calls expired though it has this much longer by our clock: the clocks disagree, the token is not at fault. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * AssumeRoleWithWebIdentity refused the token: what the token says (decoded here,
 * never verified, never printed whole) against what STS and the trust policy need.
 */
export function webIdentityRefusal(failure: StsFailure, token: WebIdentityToken, context: FailureContext): WithAssumedRoleError {
  const claims = token.claims;
  const said = `STS said: ${failure.message}`;
  const described = `token: ${describeClaims(claims, context.now)}`;
  const target = parseRoleArn(context.roleArn);
  const issuer = claims.iss ?? '<issuer>';
  const policiesLine = `withAssumedRole policies --target-account ${target?.account ?? '<account A>'} --role ${target?.name ?? '<role>'} --oidc-issuer ${issuer} --oidc-subject '${claims.sub ?? '<subject>'}'`;
  switch (failure.code) {
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      if (claims.exp !== undefined && claims.exp * 1000 > context.now + CLOCK_SKEW_MS) {
        return new StsRefusedError(
          failure.code,
          `web identity token ${token.path}: STS calls it expired, yet it ${describeExpiry(claims, context.now)} by this machine's clock: the clocks disagree (${failure.code})`,
          {
            fix: "set this agent's clock right (NTP: timedatectl set-ntp true, or chronyc makestep); if it is right, the clock of the token's issuer (Jenkins) is ahead",
            details: [said, described],
          },
        );
      }
      return new StsRefusedError(
        failure.code,
        `web identity token ${token.path}: ${describeExpiry(claims, context.now)} (${failure.code})`,
        {
          fix: 'bind a fresh token: the OpenID Connect credentials mint one per binding; a refresh needs the file rewritten with a new one',
          details: [said, described],
        },
      );
    case 'IDPRejectedClaim':
      return new StsRefusedError(failure.code, `web identity token ${token.path}: a claim was rejected (IDPRejectedClaim)`, {
        fix: "check the token's claims against the IAM OIDC provider and the role's trust policy; the claim templates of the OpenID Connect credentials set them",
        details: [said, described],
      });
    case 'InvalidIdentityToken':
      return new StsRefusedError(failure.code, `web identity token ${token.path}: STS does not accept it (InvalidIdentityToken)`, {
        fix: `account ${target?.account ?? 'A'} needs an IAM OIDC provider for ${issuer} with client ID ${OIDC_AUDIENCE}, and the token's audience must be ${OIDC_AUDIENCE}: ${policiesLine} prints both`,
        details: [said, described],
      });
    default: {
      if (!failure.code.startsWith('AccessDenied')) {
        return new StsRefusedError(failure.code, `web identity token ${token.path}: STS refused it (${failure.code})`, {
          fix: policiesLine,
          details: [said, described],
        });
      }
      const statement = oidcTrustStatement(target?.partition ?? 'aws', target?.account ?? '<account A>', {
        issuer,
        subjects: [claims.sub ?? '<subject>'],
      });
      const path = oidcProviderPath(issuer);
      return new StsRefusedError(failure.code, `${context.roleArn}: AccessDenied: its trust policy does not accept this token`, {
        fix: `${policiesLine} prints the provider and the trust policy`,
        details: [
          said,
          described,
          `the trust policy must trust ${oidcProviderArn(target?.partition ?? 'aws', target?.account ?? '<account A>', issuer)} with ${path}:aud = ${OIDC_AUDIENCE} and ${path}:sub matching the token's subject; a statement that does:`,
          ...indent(statement),
        ],
      });
    }
  }
}
