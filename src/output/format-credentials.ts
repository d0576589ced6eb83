// Credentials as `print` writes them on purpose: export lines for eval, the AWS
// credential_process JSON, or JSON for scripts. Pure.
import { OVERRIDING_VARIABLES } from '../domain/environment.ts';
import { shellWord } from './shell-words.ts';

/** What `print --format` takes. */
export type PrintFormat = 'env' | 'process' | 'json';

export interface PrintableCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  assumedRoleArn: string;
  region: string | undefined;
}

/** The text `print --format <format>` writes to stdout. */
export function formatCredentials(credentials: PrintableCredentials, format: PrintFormat): string {
  const expiration = credentials.expiration.toISOString();
  switch (format) {
    case 'process':
      return `${JSON.stringify({
        Version: 1,
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken,
        Expiration: expiration,
      })}\n`;
    case 'json':
      return `${JSON.stringify(
        {
          Credentials: {
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            SessionToken: credentials.sessionToken,
            Expiration: expiration,
          },
          AssumedRoleUser: { Arn: credentials.assumedRoleArn },
          ...(credentials.region === undefined ? {} : { Region: credentials.region }),
        },
        null,
        2,
      )}\n`;
    case 'env': {
      const lines = [
        `export AWS_ACCESS_KEY_ID=${shellWord(credentials.accessKeyId)}`,
        `export AWS_SECRET_ACCESS_KEY=${shellWord(credentials.secretAccessKey)}`,
        `export AWS_SESSION_TOKEN=${shellWord(credentials.sessionToken)}`,
        `export AWS_CREDENTIAL_EXPIRATION=${shellWord(expiration)}`,
        ...(credentials.region === undefined
          ? []
          : [`export AWS_REGION=${shellWord(credentials.region)}`, `export AWS_DEFAULT_REGION=${shellWord(credentials.region)}`]),
        `unset ${OVERRIDING_VARIABLES.join(' ')}`,
      ];
      return `${lines.join('\n')}\n`;
    }
  }
}
