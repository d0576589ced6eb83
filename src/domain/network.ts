// How requests to AWS go out, as the options give it: a proxy and a CA bundle other
// than the environment's. The rules that apply them are aws/proxy-rules.ts. Pure.

export interface NetworkSettings {
  /** --proxy / WITH_ASSUMED_ROLE_PROXY: replaces HTTPS_PROXY and HTTP_PROXY. */
  proxy: string | undefined;
  /** --no-proxy: no proxy at all. */
  noProxy: boolean;
  /** --ca-bundle / WITH_ASSUMED_ROLE_CA_BUNDLE, else AWS_CA_BUNDLE. */
  caBundle: string | undefined;
}

/** The environment's proxy and CA bundle, nothing given. */
export const DEFAULT_NETWORK: NetworkSettings = { proxy: undefined, noProxy: false, caBundle: undefined };
