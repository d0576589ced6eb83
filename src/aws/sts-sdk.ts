// The one door to the STS SDK. Import it with `await import('./sts-sdk.ts')` only:
// loading it costs tens of milliseconds, which --help, usage errors and dry runs
// never pay.
export {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
export { getSSOTokenFromFile, loadConfig, loadSharedConfigFiles, NODE_REGION_CONFIG_FILE_OPTIONS } from '@smithy/core/config';
