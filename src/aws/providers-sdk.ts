// The SDK's credential providers, for sources other than environment keys (the
// common case on a laptop and with withCredentials, which needs none of them).
// Import lazily, like ./sts-sdk.ts.
export { fromHttp, fromIni, fromInstanceMetadata, fromTokenFile } from '@aws-sdk/credential-providers';
