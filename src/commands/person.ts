// What a person's run has that a build's does not: an MFA code asked on the terminal,
// and the session cache (off under CI and with --no-session-cache).
import { askOnTerminal } from '../credentials/mfa.ts';
import { openSessionCache } from '../credentials/session-cache.ts';
import type { Environment } from '../domain/environment.ts';

export function personOf(env: Environment, sessionCache: boolean) {
  return { askMfaCode: askOnTerminal(env), sessionCache: openSessionCache(env, sessionCache) };
}

/** How a run says where its credentials came from: assumed now, or a person's cached session. */
export function assumedLine(assumed: { cached?: boolean; hops: string[] }, described: string): string {
  if (assumed.cached) return `your cached session: ${described} (no STS call; withAssumedRole forget drops it)`;
  return `assumed ${described}${assumed.hops.length === 0 ? '' : ` via ${assumed.hops.join(', ')}`}`;
}
