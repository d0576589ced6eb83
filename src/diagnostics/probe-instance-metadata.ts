// Is the EC2 instance metadata service there, does IMDSv2 work, is there an
// instance profile? Asked directly, with short timeouts, for doctor.
import { request } from 'node:http';
import { instanceMetadataSettings } from '../credentials/source-plan.ts';
import type { Environment } from '../domain/environment.ts';

export type MetadataProbe =
  | { state: 'disabled' }
  | { state: 'unreachable'; endpoint: string }
  | { state: 'reachable'; endpoint: string; imdsV2: boolean; instanceProfile: string | undefined };

const TIMEOUT_MS = 1000;

function ask(url: URL, method: 'GET' | 'PUT', headers: Record<string, string>): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const call = request(url, { method, headers, timeout: TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('timeout', () => call.destroy());
    call.on('error', () => resolve(undefined));
    call.end();
  });
}

/** Probes the metadata service the SDK would use (AWS_EC2_METADATA_SERVICE_ENDPOINT, else 169.254.169.254). */
export async function probeInstanceMetadata(env: Environment): Promise<MetadataProbe> {
  const settings = instanceMetadataSettings(env);
  if (settings.disabled) return { state: 'disabled' };
  const endpoint = (settings.endpoint ?? 'http://169.254.169.254').replace(/\/+$/, '');
  const token = await ask(new URL(`${endpoint}/latest/api/token`), 'PUT', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' });
  const headers: Record<string, string> = token?.status === 200 ? { 'x-aws-ec2-metadata-token': token.body } : {};
  const roles = await ask(new URL(`${endpoint}/latest/meta-data/iam/security-credentials/`), 'GET', headers);
  if (token === undefined && roles === undefined) return { state: 'unreachable', endpoint };
  const instanceProfile = roles?.status === 200 ? roles.body.split('\n')[0]?.trim() || undefined : undefined;
  return { state: 'reachable', endpoint, imdsV2: token?.status === 200, instanceProfile };
}
