// The three IAM documents of the cross-account set-up. Pure; the `policies` command,
// AccessDenied explanations and the templates all render these.

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface CrossAccountSetup {
  partition: string;
  /** Account A: owns the deploy role. */
  targetAccount: string;
  /** The deploy role's name, in account A. */
  role: string;
  /** Account B: runs the Jenkins agents. */
  sourceAccount: string;
  /** The agents' role in account B; without it, the trust policy trusts all of account B. */
  sourceRole?: string | undefined;
  externalId?: string | undefined;
  /** More principals the deploy role trusts (people reproducing a CI run locally). */
  alsoTrust?: readonly string[];
  /** Also allow sts:TagSession (session tags) and sts:SetSourceIdentity. */
  withTags?: boolean | undefined;
  withSourceIdentity?: boolean | undefined;
  /** Keyless: the role trusts this OIDC issuer's tokens for these subjects, not account B. */
  oidc?: OidcTrust | undefined;
}

export interface OidcTrust {
  /** https://ci.example.com/oidc, as the token's `iss`. */
  issuer: string;
  /** The `sub` claims (job URLs) the role accepts; `*` in one makes the match StringLike. */
  subjects: readonly string[];
}

/** The audience STS expects in tokens for AssumeRoleWithWebIdentity, and the provider's client ID. */
export const OIDC_AUDIENCE = 'sts.amazonaws.com';

/** `ci.example.com/oidc`: the issuer as IAM names its provider and condition keys. */
export const oidcProviderPath = (issuer: string) => issuer.replace(/^https:\/\//, '').replace(/\/+$/, '');

export const oidcProviderArn = (partition: string, account: string, issuer: string) =>
  `arn:${partition}:iam::${account}:oidc-provider/${oidcProviderPath(issuer)}`;

/** The trust statement for tokens of `oidc` issued to its subjects, audience sts.amazonaws.com. */
export function oidcTrustStatement(partition: string, account: string, oidc: OidcTrust, withTags = false): PolicyStatement {
  const path = oidcProviderPath(oidc.issuer);
  const subjects = oidc.subjects.length === 1 ? (oidc.subjects[0] as string) : [...oidc.subjects];
  const like = oidc.subjects.some((subject) => subject.includes('*'));
  return {
    Sid: 'TrustJenkinsOidc',
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(partition, account, oidc.issuer) },
    Action: withTags ? ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] : 'sts:AssumeRoleWithWebIdentity',
    Condition: like
      ? { StringEquals: { [`${path}:aud`]: OIDC_AUDIENCE }, StringLike: { [`${path}:sub`]: subjects } }
      : { StringEquals: { [`${path}:aud`]: OIDC_AUDIENCE, [`${path}:sub`]: subjects } },
  };
}

/** sts:AssumeRole, and the actions tags and a source identity need as well. */
function assumeActions(setup: CrossAccountSetup): string | string[] {
  const extra = [...(setup.withTags ? ['sts:TagSession'] : []), ...(setup.withSourceIdentity ? ['sts:SetSourceIdentity'] : [])];
  return extra.length === 0 ? 'sts:AssumeRole' : ['sts:AssumeRole', ...extra];
}

export const roleArn = (partition: string, account: string, role: string) => `arn:${partition}:iam::${account}:role/${role}`;

/** The principal the deploy role trusts: the source role, or account B's root (IAM policies in B then decide). */
export function trustedPrincipal(setup: CrossAccountSetup): string {
  return setup.sourceRole === undefined
    ? `arn:${setup.partition}:iam::${setup.sourceAccount}:root`
    : roleArn(setup.partition, setup.sourceAccount, setup.sourceRole);
}

/** Trust policy of the deploy role in account A. */
export function targetTrustPolicy(setup: CrossAccountSetup): PolicyDocument {
  if (setup.oidc !== undefined) {
    return {
      Version: '2012-10-17',
      Statement: [
        oidcTrustStatement(setup.partition, setup.targetAccount, setup.oidc, setup.withTags),
        ...(setup.alsoTrust?.length
          ? [{ Sid: 'TrustPeople', Effect: 'Allow' as const, Principal: { AWS: [...setup.alsoTrust] }, Action: assumeActions(setup) }]
          : []),
      ],
    };
  }
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TrustJenkinsAgents',
        Effect: 'Allow',
        Principal: { AWS: setup.alsoTrust?.length ? [trustedPrincipal(setup), ...setup.alsoTrust] : trustedPrincipal(setup) },
        Action: assumeActions(setup),
        ...(setup.externalId === undefined ? {} : { Condition: { StringEquals: { 'sts:ExternalId': setup.externalId } } }),
      },
    ],
  };
}

/** Permission policy of the source role in account B: may assume the deploy role, nothing more. */
export function sourcePermissionPolicy(setup: CrossAccountSetup): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AssumeDeployRole',
        Effect: 'Allow',
        Action: assumeActions(setup),
        Resource: roleArn(setup.partition, setup.targetAccount, setup.role),
      },
    ],
  };
}

/** Trust policy of the source role: EC2 may hand it to instances (the instance profile). */
export function ec2TrustPolicy(partition: string): PolicyDocument {
  const service = partition === 'aws-cn' ? 'ec2.amazonaws.com.cn' : 'ec2.amazonaws.com';
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Ec2InstanceProfile', Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  };
}

export interface PolicySet {
  targetTrustPolicy: PolicyDocument;
  sourcePermissionPolicy: PolicyDocument;
  sourceTrustPolicy: PolicyDocument;
}

/** All three documents for one set-up. */
export function buildPolicySet(setup: CrossAccountSetup): PolicySet {
  return {
    targetTrustPolicy: targetTrustPolicy(setup),
    sourcePermissionPolicy: sourcePermissionPolicy(setup),
    sourceTrustPolicy: ec2TrustPolicy(setup.partition),
  };
}
