// Output masking through the built CLI: real children writing the injected
// credentials in pieces and encodings, prompts, stdin, both streams, TTYs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { commandWorks } from '../support/available.ts';
import { CLI, fixture, runCli, startCli } from '../support/cli.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { waitFor } from '../support/wait.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--quiet'];

function canary() {
  const credentials = generateCredentials();
  world.server.nextCredentials.push(credentials);
  return credentials;
}

describe('masking', () => {
  it('masks a secret split over two writes 300 ms apart, and its URL-encoded and JSON-escaped forms', async () => {
    const credentials = canary();
    const result = await runCli([...ROLE, '--mask', '--', fixture('write-split.mjs'), 'AWS_SECRET_ACCESS_KEY'], { env: world.env() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('before **** after\n');
    expect(result.stderr).toBe('url=**** json={"s":"****"}\n');
    expect(result.all).not.toContain(credentials.secretAccessKey.slice(0, 12));
  });

  it('masks all three values wherever the child prints them', async () => {
    const credentials = canary();
    const result = await runCli(
      [...ROLE, '--mask', '--', 'sh', '-c', 'echo "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY:$AWS_SESSION_TOKEN"; env | grep ^AWS_ >&2'],
      { env: world.env() },
    );
    expect(result.stdout).toBe('****:****:****\n');
    expect(result.stderr).toContain('AWS_SECRET_ACCESS_KEY=****');
    for (const secret of Object.values(credentials)) expect(result.all).not.toContain(secret);
  });

  it('is on by default under CI and Jenkins, and --no-mask turns it off', async () => {
    const credentials = canary();
    const print = ['--', 'sh', '-c', 'echo "$AWS_ACCESS_KEY_ID"'];
    expect((await runCli([...ROLE, ...print], { env: world.env({ CI: 'true' }) })).stdout).toBe('****\n');
    canary();
    expect((await runCli([...ROLE, ...print], { env: world.env({ JENKINS_URL: 'https://ci/', BUILD_ID: '1' }) })).stdout).toBe('****\n');
    const shown = canary();
    expect((await runCli([...ROLE, '--no-mask', ...print], { env: world.env({ CI: 'true' }) })).stdout).toBe(`${shown.accessKeyId}\n`);
    expect(credentials.accessKeyId).not.toBe(shown.accessKeyId);
  });

  it('shows a prompt at once, passes stdin through, keeps stdout and stderr apart and the exit status', async () => {
    const subprocess = startCli([...ROLE, '--mask', '--', fixture('prompt.mjs'), '4'], { env: world.env(), pipeStdin: true });
    const prompt = await new Promise<string>((resolve) => {
      let seen = '';
      subprocess.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('[y/N] ')) resolve(seen);
      });
    });
    expect(prompt).toBe('Continue? [y/N] ');
    subprocess.stdin?.end('yes\n');
    const result = await subprocess;
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toBe('Continue? [y/N] answer=yes\n');
    expect(result.stderr).toBe('done on stderr\n');
  });

  it('lets the command open /dev/stdout and /dev/stderr, as scripts do to print to them', async () => {
    canary();
    const script = 'echo "to err $AWS_SECRET_ACCESS_KEY" > /dev/stderr && echo to-out | tee /dev/stdout';
    const result = await runCli([...ROLE, '--mask', '--', 'sh', '-c', script], { env: world.env() });
    expect(result.stderr).toBe('to err ****\n');
    expect(result.stdout).toBe('to-out\nto-out\n');
    expect(result.exitCode).toBe(0);
  });

  it('reports a missing command as without masking, and leaves no pipes behind', async () => {
    canary();
    const tmp = mkdtempSync(join(tmpdir(), 'war-tmp-'));
    const missing = await runCli([...ROLE, '--mask', '--', './no-such-deploy.sh'], { env: world.env({ TMPDIR: tmp }) });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/^withAssumedRole: \.\/no-such-deploy\.sh: command not found\n/);
    expect(readdirSync(tmp).filter((name) => name.startsWith('with-assumed-role-'))).toEqual([]);
  });

  it('stopped while it makes its pipes (Jenkins aborting the step), it leaves no folder behind', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'war-tmp-'));
    const bin = mkdtempSync(join(tmpdir(), 'war-bin-'));
    // An mkfifo that says it started, then never finishes: the stop comes while the folder exists.
    writeFileSync(join(bin, 'mkfifo'), `#!/bin/sh\necho $$ > ${bin}/started\nexec sleep 60\n`, { mode: 0o755 });
    const running = startCli([...ROLE, '--mask', '--', 'true'], { env: world.env({ TMPDIR: tmp, PATH: `${bin}:${process.env.PATH}` }) });
    let shim: number | undefined;
    try {
      shim = Number(await waitFor(() => (existsSync(join(bin, 'started')) ? readFileSync(join(bin, 'started'), 'utf8') : undefined)));
      expect(readdirSync(tmp).filter((name) => name.startsWith('with-assumed-role-'))).toHaveLength(1);
      running.kill('SIGTERM');
      expect((await running).exitCode).toBe(143);
      expect(readdirSync(tmp).filter((name) => name.startsWith('with-assumed-role-'))).toEqual([]);
    } finally {
      if (shim !== undefined) process.kill(shim, 'SIGKILL');
      rmSync(bin, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('is binary-safe', async () => {
    canary();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const result = await execa(
      process.execPath,
      [
        '--',
        CLI,
        ...ROLE,
        '--mask',
        '--',
        process.execPath,
        '-e',
        'process.stdout.write(Buffer.from(process.argv[1], "base64"))',
        bytes.toString('base64'),
      ],
      {
        env: world.env(),
        extendEnv: false,
        encoding: 'buffer',
        stdin: 'ignore',
      },
    );
    expect(Buffer.compare(Buffer.from(result.stdout), bytes)).toBe(0);
  });

  it('forwards signals unchanged while masking', async () => {
    const subprocess = startCli([...ROLE, '--mask', '--', fixture('trap-term.sh')], { env: world.env() });
    await new Promise<void>((resolve) => subprocess.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    subprocess.kill('SIGTERM');
    const result = await subprocess;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('ready\ngot TERM\n');
  });

  it('returns when the command exits, whatever it left running; what a leftover writes afterwards is cut, never unmasked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'war-leftover-'));
    const go = join(dir, 'go');
    const fate = join(dir, 'fate');
    // The leftover holds the command's stdout, waits for the test's word, then writes the secret.
    const script = `(trap '' PIPE; while [ ! -e ${go} ]; do sleep 0.05; done; echo "late $AWS_SECRET_ACCESS_KEY" || echo "write failed" > ${fate}) &
echo started; exit 4`;
    try {
      const secrets = canary();
      const result = await runCli([...ROLE, '--mask', '--', 'sh', '-c', script], { env: world.env() });
      expect(result.exitCode).toBe(4);
      expect(result.stdout).toBe('started\n');
      writeFileSync(go, '');
      await waitFor(() => existsSync(fate) || undefined);
      expect(readFileSync(fate, 'utf8')).toBe('write failed\n');
      expect(result.all).not.toContain(secrets.secretAccessKey);
    } finally {
      writeFileSync(go, '');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a stop signal ends it within the grace period, whatever the command left holding its output', async () => {
    const subprocess = startCli(
      [...ROLE, '--mask', '--', 'sh', '-c', 'sleep 1000 & leftover=$!; trap "kill $leftover; exit 3" TERM; echo ready; wait'],
      {
        env: world.env(),
      },
    );
    await new Promise<void>((resolve) => subprocess.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    subprocess.kill('SIGTERM');
    expect((await subprocess).exitCode).toBe(3);
    const holding = startCli(
      [...ROLE, '--mask', '--kill-grace', '1', '--', 'sh', '-c', '(trap "" TERM; exec sleep 1000) & echo "ready $!"; trap "" TERM; wait'],
      { env: world.env() },
    );
    const leftover = await new Promise<number>((resolve) =>
      holding.stdout?.on('data', (chunk: Buffer) => {
        const pid = /ready (\d+)/.exec(chunk.toString())?.[1];
        if (pid !== undefined) resolve(Number(pid));
      }),
    );
    try {
      holding.kill('SIGTERM');
      // The command ignores TERM: killed after --kill-grace; its child, still holding the pipe, does not keep the wrapper.
      expect((await holding).exitCode).toBe(137);
    } finally {
      process.kill(leftover, 'SIGKILL');
    }
  });

  it('leaves a terminal a terminal when off, and masks through a pipe when on', async () => {
    const probe = '[ -t 1 ] && echo stdout-is-a-tty || echo stdout-is-not-a-tty';
    const run = (mask: string) =>
      execa(
        'script',
        ['-qec', `"${process.execPath}" -- "${CLI}" --role-arn ${DEPLOY_ROLE_ARN} --quiet ${mask} -- sh -c '${probe}'`, '/dev/null'],
        {
          env: world.env(),
          extendEnv: false,
          stdin: 'ignore',
        },
      );
    canary();
    expect((await run('--no-mask')).stdout).toContain('stdout-is-a-tty');
    canary();
    expect((await run('--mask')).stdout).toContain('stdout-is-not-a-tty');
  });
});

describe('masking a large output', () => {
  /** The wrapper's stdout, read slowly: a pause every 256 KB keeps its writes queued and its reads paused. */
  async function readSlowly(args: string[]): Promise<Buffer> {
    const subprocess = execa(process.execPath, ['--', CLI, ...args], {
      env: world.env(),
      extendEnv: false,
      buffer: false,
      stdin: 'ignore',
    });
    const chunks: Buffer[] = [];
    let sincePause = 0;
    subprocess.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      sincePause += chunk.length;
      if (sincePause < 256 * 1024) return;
      sincePause = 0;
      subprocess.stdout.pause();
      setTimeout(() => subprocess.stdout.resume(), 2);
    });
    expect((await subprocess).exitCode).toBe(0);
    return Buffer.concat(chunks);
  }

  /** 8 MB from the volume fixture for fresh canary credentials, and what masking should make of it. */
  async function volume() {
    const credentials = canary();
    const command = [fixture('write-volume.mjs'), '8'];
    const env = {
      ...world.env(),
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
    };
    const unmasked = (await execa(command[0] as string, command.slice(1), { env, extendEnv: false, stripFinalNewline: false })).stdout;
    const forms = Object.values(credentials).flatMap((secret) => [secret, encodeURIComponent(secret)]);
    const expected = unmasked.replace(new RegExp(forms.map((form) => form.replace(/[+/.]/g, '\\$&')).join('|'), 'g'), '****');
    expect(expected.length).toBeLessThan(unmasked.length);
    return { command, expected: Buffer.from(expected) };
  }

  it('keeps 8 MB byte for byte, written in pieces of every size to a slow reader, apart from the secrets', async () => {
    const { command, expected } = await volume();
    const masked = await readSlowly([...ROLE, '--mask', '--', ...command]);
    expect(masked.length).toBe(expected.length);
    expect(masked.equals(expected)).toBe(true);
  });

  it('keeps 8 MB byte for byte into a file, as a Jenkins log is', async () => {
    const { command, expected } = await volume();
    const log = join(mkdtempSync(join(tmpdir(), 'war-log-')), 'console.log');
    // A descriptor, so the wrapper's stdout is the file itself (execa's { file } would pipe to it).
    const fd = openSync(log, 'w');
    const child = spawn(process.execPath, ['--', CLI, ...ROLE, '--mask', '--', ...command], {
      env: world.env(),
      stdio: ['ignore', fd, 'inherit'],
    });
    const [exitCode] = await once(child, 'close').finally(() => closeSync(fd));
    expect(exitCode).toBe(0);
    const masked = readFileSync(log);
    rmSync(dirname(log), { recursive: true });
    expect(masked.length).toBe(expected.length);
    expect(masked.equals(expected)).toBe(true);
  });

  it('stops with a clear error before the command runs when TMPDIR cannot hold its pipes', async () => {
    canary();
    // Under a file: not even root can make a directory there.
    const tmpdir = `${fixture('exit-with.sh')}/tmp`;
    const result = await runCli([...ROLE, '--mask', '--', 'sh', '-c', 'echo ran'], { env: world.env({ TMPDIR: tmpdir }) });
    expect(result.exitCode).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`withAssumedRole: TMPDIR=${tmpdir}: cannot hold the pipes masking needs (ENOTDIR)\n`);
    expect(result.stderr).toContain('--no-mask');
  });
});

/** A directory to be the whole PATH: these commands, found on this one, and nothing else. */
async function pathWith(...commands: string[]): Promise<string> {
  const bin = mkdtempSync(join(tmpdir(), 'war-bin-'));
  for (const command of commands) symlinkSync((await execa('sh', ['-c', `command -v ${command}`])).stdout, join(bin, command));
  return bin;
}

describe('masking without mkfifo', () => {
  it('stops with a clear error before the command runs', async () => {
    canary();
    const bin = await pathWith('sh');
    const result = await runCli([...ROLE, '--mask', '--', 'sh', '-c', 'echo ran'], { env: world.env({ PATH: bin }) });
    rmSync(bin, { recursive: true });
    expect(result.exitCode).toBe(78);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('withAssumedRole: mkfifo: cannot make the pipes masking needs (ENOENT)\n');
    expect(result.stderr).toContain('--no-mask');
  });
});

describe('masking into a pipe that is full', () => {
  it('waits until the reader makes room, and loses nothing', async () => {
    canary();
    const dir = mkdtempSync(join(tmpdir(), 'war-full-'));
    const fifo = join(dir, 'out');
    const written = join(dir, 'written');
    await execa('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    // Full before the wrapper starts: its first write of the command's output finds no room (EAGAIN).
    const filler = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    let filled = 0;
    try {
      for (;;) filled += writeSync(filler, Buffer.alloc(4096, '.'));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('EAGAIN');
    }
    closeSync(filler);
    const stdout = openSync(fifo, constants.O_WRONLY);
    // More than the full pipe will ever take at once (so the wrapper must wait for room, whenever it first writes),
    // less than the relay and the command's own pipe hold (so the command finishes while the wrapper waits).
    const script = `for i in $(seq 2000); do echo "line $i $AWS_SECRET_ACCESS_KEY"; done; touch ${written}`;
    const child = spawn(process.execPath, ['--', CLI, ...ROLE, '--mask', '--', 'sh', '-c', script], {
      env: world.env(),
      stdio: ['ignore', stdout, 'pipe'],
    });
    closeSync(stdout);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const closed = once(child, 'close');
    await waitFor(() => existsSync(written) || child.exitCode !== null || undefined);
    const received = buffer(new Socket({ fd: reader, readable: true, writable: false }));
    const [exitCode] = await closed;
    rmSync(dir, { recursive: true });
    const output = await received;
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(output.subarray(0, filled).every((byte) => byte === 46)).toBe(true);
    const lines = Array.from({ length: 2000 }, (_, index) => `line ${index + 1} ****\n`).join('');
    expect(output.subarray(filled).toString()).toBe(lines);
  });
});

const perl = commandWorks('perl', ['-e', '1']) || Boolean(process.env.CI);
if (!perl) console.warn('NOTICE: perl not found; skipping the test that masking pipes are enlarged (they stay at 64 KB here).');

describe('the pipes masking reads', () => {
  const size = (handle: string) => `fcntl(${handle}, 1032, 0)`;

  it.skipIf(!perl)('are enlarged to 256 KB when perl is there, so the child writes on while the wrapper masks', async () => {
    canary();
    // In the background: the command looks for up to 5 s.
    const query = `for (1..500) { last if ${size('STDOUT')} >= 262144 && ${size('STDERR')} >= 262144; select(undef, undef, undef, 0.01) } print ${size('STDOUT')}; print STDERR ${size('STDERR')}`;
    const result = await runCli([...ROLE, '--mask', '--', 'perl', '-e', query], { env: world.env() });
    expect(result.stdout).toBe('262144');
    expect(result.stderr).toBe('262144');
  });

  it('work as well without perl, and nothing says so', async () => {
    canary();
    const bin = await pathWith('sh', 'mkfifo');
    const result = await runCli([...ROLE, '--mask', '--', 'sh', '-c', 'echo "$AWS_SECRET_ACCESS_KEY"'], { env: world.env({ PATH: bin }) });
    rmSync(bin, { recursive: true });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('****\n');
    expect(result.exitCode).toBe(0);
  });
});

describe('masking when the reader goes away', () => {
  it('ends quietly when the reader is gone before the held-back end of the output is written', async () => {
    canary();
    // The output ends with the start of the access key ID, held back until the child exits.
    const script = "process.stdout.write('x ' + process.env.AWS_ACCESS_KEY_ID.slice(0, 4)); process.stdin.resume();";
    const subprocess = startCli([...ROLE, '--mask', '--', process.execPath, '-e', script], { env: world.env(), pipeStdin: true });
    await new Promise<void>((resolve) => subprocess.stdout?.once('data', () => resolve()));
    subprocess.stdout?.destroy();
    subprocess.stdin?.end();
    const result = await subprocess;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('passes the broken pipe on to the child, as an unmasked run would', async () => {
    canary();
    const subprocess = startCli([...ROLE, '--mask', '--', 'yes'], { env: world.env() });
    await new Promise<void>((resolve) => subprocess.stdout?.once('data', () => resolve()));
    subprocess.stdout?.destroy();
    const result = await subprocess;
    expect(result.exitCode).toBe(141);
  });
});
