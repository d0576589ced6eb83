// A real forward proxy for the network tests: Debian's tinyproxy, started on a free
// loopback port with a config of its own (optionally requiring Basic auth), its log
// read back to prove which requests went through it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { commandWorks } from './available.ts';
import { describeRequiring } from './describe-requiring.ts';

export interface Tinyproxy {
  /** http://127.0.0.1:PORT (no user or password in it). */
  url: string;
  port: number;
  /** What tinyproxy logged since the last clear(). */
  log(): string;
  /** The targets of the CONNECT requests it logged: `127.0.0.1:PORT`. */
  connects(): string[];
  /** The absolute URLs of the plain HTTP requests it logged (GET/POST http://...). */
  forwarded(): string[];
  clear(): void;
  stop(): Promise<void>;
}

/**
 * A describe block that needs tinyproxy: skipped with a notice where it is not
 * installed, a failing test under CI (.ci/run installs it).
 */
export function describeWithTinyproxy(name: string, body: () => void): void {
  const requirement = {
    available: commandWorks('tinyproxy', ['-v']),
    needs: 'needs tinyproxy, which CI must provide',
    missingUnderCi: 'tinyproxy is not installed: CI must run the proxy tests (apt-get install tinyproxy)',
    notice: (skipped: string) => `NOTICE: tinyproxy not installed: "${skipped}" skipped (apt-get install tinyproxy)`,
    // Every test starts the CLI several times, some through retries: not the default 30 s on a busy machine.
    timeout: 120_000,
  };
  describeRequiring(requirement, name, body);
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts tinyproxy on a free loopback port; resolves once it accepts connections. */
export async function startTinyproxy(options: { basicAuth?: { user: string; password: string } } = {}): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'war-tinyproxy-'));
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const config = join(dir, `tinyproxy-${port}.conf`);
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        'LogLevel Info',
        'MaxClients 50',
        ...(options.basicAuth === undefined ? [] : [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`]),
        '',
      ].join('\n'),
    );
    // -d: in the foreground, logging to stdout.
    const child = spawn('tinyproxy', ['-d', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const started = await new Promise<boolean>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('Accepting connections')) resolve(true);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('error', reject);
      child.on('exit', () => resolve(false));
    });
    if (started)
      return handle(
        child,
        port,
        () => text,
        (value) => (text = value),
      );
    // Another process may have taken the port between freePort and tinyproxy's bind: then try another.
    if (attempt === 5 || !/bind|listen|in use/i.test(text)) throw new Error(`tinyproxy did not start:\n${text}`);
  }
}

function handle(child: ChildProcess, port: number, read: () => string, write: (text: string) => void): Tinyproxy {
  const requests = () => [...read().matchAll(/Request \(file descriptor \d+\): (\S+) (\S+) HTTP/g)];
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log: read,
    connects: () =>
      requests()
        .filter((match) => match[1] === 'CONNECT')
        .map((match) => match[2] as string),
    forwarded: () =>
      requests()
        .filter((match) => match[1] !== 'CONNECT')
        .map((match) => match[2] as string),
    clear: () => write(''),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** tinyproxy for a test file: started before its tests, its log cleared before each, stopped after. */
export function useTinyproxy(options: { basicAuth?: { user: string; password: string } } = {}): { proxy: Tinyproxy } {
  const holder = {} as { proxy: Tinyproxy };
  beforeAll(async () => {
    holder.proxy = await startTinyproxy(options);
  });
  beforeEach(() => holder.proxy?.clear());
  afterAll(async () => {
    await holder.proxy?.stop();
  });
  return holder;
}
