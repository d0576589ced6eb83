// A block of the step's, started the way the step starts one: `serve --dir` in a
// private folder, its broker left in the background. What the body would see is
// read as the body's clients read it: the profile (credential_process) and the
// loopback endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI). For the fleet's tests
// and the bench, which start many.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type { Env } from './cli.ts';
import { processRuns, waitFor } from './wait.ts';

export interface Block {
  dir: string;
  /** What `serve` printed on stderr, and how it ended. */
  started: { exitCode: number | null; stderr: string };
  /** The broker's pid, once it runs. */
  brokerPid(): number | undefined;
  /** The body's environment (body.env), as withEnv would give it. */
  bodyEnv(): Record<string, string>;
  /** What the body's endpoint answers now: the role's key, or the error it serves instead. */
  endpointAnswer(): Promise<{ status: number; accessKeyId?: string; message?: string }>;
  /** GetCallerIdentity by the JavaScript SDK v3, through the block's profile: the ARN, or the error's first line. */
  callerIdentity(stsUrl: string): Promise<string>;
  /** Stops the broker (serve --stop), waits for it to end, and removes the folder. */
  stop(): Promise<void>;
}

function runServe(cli: string, args: string[], env: Env): Promise<{ exitCode: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', cli, 'serve', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stderr }));
  });
}

/** Starts one block as `sessionName`; resolves once `serve` returned (the broker then runs, or serve failed). */
export async function startBlock(cli: string, env: Env, roleArn: string, sessionName: string, parent = tmpdir()): Promise<Block> {
  const dir = mkdtempSync(join(parent, 'war-block-'));
  const started = await runServe(cli, ['--dir', dir, '--role-arn', roleArn, '--session-name', sessionName], env);
  const file = (name: string) => join(dir, name);
  const brokerPid = () => {
    const text = existsSync(file('broker.pid')) ? readFileSync(file('broker.pid'), 'utf8') : '';
    return text === '' ? undefined : Number(text);
  };
  const bodyEnv = () =>
    Object.fromEntries(
      readFileSync(file('body.env'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replaceAll('$$', '$')]),
    );
  return {
    dir,
    started,
    brokerPid,
    bodyEnv,
    async endpointAnswer() {
      const body = bodyEnv();
      const token = readFileSync(body.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE as string, 'utf8').trim();
      const response = await fetch(body.AWS_CONTAINER_CREDENTIALS_FULL_URI as string, { headers: { Authorization: token } });
      const json = (await response.json()) as { AccessKeyId?: string; Message?: string };
      return {
        status: response.status,
        ...(json.AccessKeyId === undefined ? {} : { accessKeyId: json.AccessKeyId }),
        ...(json.Message === undefined ? {} : { message: json.Message }),
      };
    },
    async callerIdentity(stsUrl) {
      const body = bodyEnv();
      const client = new STSClient({
        region: 'us-east-1',
        endpoint: stsUrl,
        credentials: fromIni({
          profile: body.AWS_PROFILE as string,
          filepath: body.AWS_SHARED_CREDENTIALS_FILE as string,
          configFilepath: body.AWS_CONFIG_FILE as string,
          ignoreCache: true,
        }),
      });
      try {
        return (await client.send(new GetCallerIdentityCommand({}))).Arn ?? 'no ARN';
      } catch (error) {
        return `error: ${String((error as Error).message).split('\n')[0]}`;
      } finally {
        client.destroy();
      }
    },
    async stop() {
      const pid = brokerPid();
      if (existsSync(dir)) await runServe(cli, ['--stop', '--dir', dir], env);
      if (pid !== undefined) await waitFor(() => !processRuns(pid) || undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A process's resident memory (MiB) and open file descriptors, from /proc. */
export function footprintOf(pid: number): { rssMiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMiB: rss, fds: readdirSync(`/proc/${pid}/fd`).length };
}
