// What another local user (a second account on the same agent or laptop) can and
// cannot do to a run: plant a cache file or its lock, swap the folders the wrapper
// makes in a TMPDIR it may write to, plant Node's compile cache. docs/security.md
// lists these cases. Each test runs that user's part for real, as that user.
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { afterEach, expect, it } from 'vitest';
import { fixture, ROOT, runCli } from '../support/cli.ts';
import { describeWithLocalUser } from '../support/local-user.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'local-user', '--region', 'us-east-1'];

describeWithLocalUser('another local user', (other) => {
  const made: string[] = [];
  /** A folder both users may write to: sticky, as /tmp is, or not. */
  const shared = (mode: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'war-shared-'));
    chmodSync(dir, mode);
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const asOther = (script: string) => other().run('sh', ['-c', script], { env: { PATH: '/usr/bin:/bin' } });

  it('cannot plant a cache file or its lock: both are refused, naming their owner, before STS is asked', async () => {
    const dir = shared(0o1777);
    const cache = join(dir, 'cache.json');
    const planted = generateCredentials();
    const content = {
      version: 2,
      request: {
        roleArn: DEPLOY_ROLE_ARN,
        sessionName: 'local-user',
        durationSeconds: 3600,
        assumeTimeoutSeconds: 60,
        region: 'us-east-1',
      },
      credentials: {
        ...planted,
        expiration: new Date(Date.now() + 3600_000).toISOString(),
        issuedAt: new Date().toISOString(),
        assumedRoleArn: `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/local-user`,
      },
    };
    await asOther(`umask 077; printf '%s' '${JSON.stringify(content)}' > ${cache}`);
    const args = ['print', '--quiet', ...ROLE, '--format', 'process', '--cache-file', cache];
    const fromFile = await runCli(args, { env: world.env() });
    expect(fromFile.exitCode).toBe(78);
    expect(fromFile.stderr).toContain(`--cache-file ${cache}: its file is owned by user ${other().uid}, not by you (uid 0)`);
    expect(fromFile.stdout).not.toContain(planted.accessKeyId);
    // The installed launcher's fast path does not answer from it either.
    const launcher = await execa(process.execPath, [join(ROOT, 'bin/with-assumed-role.cjs'), ...args], {
      env: world.env(),
      extendEnv: false,
      reject: false,
    });
    expect(launcher.exitCode).toBe(78);
    expect(launcher.stdout).not.toContain(planted.accessKeyId);
    await asOther(`rm -f ${cache}; mkdir ${cache}.lock`);
    const locked = await runCli(args, { env: world.env() });
    expect(locked.exitCode).toBe(78);
    expect(locked.stderr).toContain(`its lock is owned by user ${other().uid}`);
    expect(world.server.assumeRoleCalls()).toEqual([]);
  });

  it('cannot swap a cache out of a folder others may write to: such a folder is refused unless sticky', async () => {
    const open = join(shared(0o777), 'cache.json');
    const result = await runCli(['print', ...ROLE, '--format', 'process', '--cache-file', open], { env: world.env() });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('is writable by others (mode 777)');
    const sticky = join(shared(0o1777), 'cache.json');
    expect(
      (await runCli(['print', '--quiet', ...ROLE, '--format', 'process', '--cache-file', sticky], { env: world.env() })).exitCode,
    ).toBe(0);
  });

  it("cannot read a masked command's output through a TMPDIR it may write to: such a TMPDIR is bypassed, said in one line", async () => {
    const tmp = shared(0o777);
    const capture = join(tmp, 'captured');
    const stop = join(tmp, 'stop');
    const racer = other().run(fixture('fifo-racer.sh'), [tmp, capture, stop], { env: { PATH: '/usr/bin:/bin' }, buffer: false });
    const lines = createInterface({ input: racer.stdout as NodeJS.ReadableStream });
    await once(lines, 'line');
    const secrets: string[] = [];
    try {
      for (let run = 0; run < 15; run += 1) {
        const canary = generateCredentials();
        world.server.nextCredentials.push(canary);
        secrets.push(canary.secretAccessKey, canary.sessionToken);
        const result = await runCli([...ROLE, '--mask', '--', 'sh', '-c', 'printenv AWS_SECRET_ACCESS_KEY; echo done'], {
          env: world.env({ TMPDIR: tmp }),
        });
        expect(result.exitCode, result.stderr).toBe(0);
        expect(result.stdout).toBe('****\ndone\n');
        expect(result.stderr).toMatch(
          new RegExp(
            `^withAssumedRole: TMPDIR=${tmp} is writable by others without the sticky bit: temporary files go to \\S+ instead$`,
            'm',
          ),
        );
      }
    } finally {
      writeFileSync(stop, '');
      await racer;
    }
    expect(readdirSync(tmp).filter((name) => name.startsWith('with-assumed-role-'))).toEqual([]);
    const stolen = existsSync(capture) ? readFileSync(capture, 'utf8') : '';
    for (const secret of secrets) expect(stolen).not.toContain(secret);
  });

  it("cannot plant a person's cached session: a sessions folder of another user's is refused, naming the fix", async () => {
    const cache = shared(0o1777);
    await asOther(`umask 022; mkdir -p ${cache}/with-assumed-role/sessions`);
    const run = await runCli([...ROLE, '--session-cache', '--', 'true'], { env: world.env({ XDG_CACHE_HOME: cache }) });
    expect(run.exitCode).toBe(78);
    expect(run.stderr).toContain(
      `withAssumedRole: ${cache}/with-assumed-role/sessions: cached sessions must be a folder of yours that only you can open (mode 0700)`,
    );
    expect(world.server.assumeRoleCalls()).toEqual([]);
  });

  it("cannot plant Node's compile cache: the launcher keeps it in the user's own cache folder", async () => {
    const tmp = shared(0o1777);
    await asOther(`mkdir -m 777 ${tmp}/node-compile-cache`);
    const env = world.env({ TMPDIR: tmp });
    const result = await execa(process.execPath, [join(ROOT, 'bin/with-assumed-role.cjs'), ...ROLE, '--', 'true'], {
      env,
      extendEnv: false,
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readdirSync(join(tmp, 'node-compile-cache'))).toEqual([]);
    expect(readdirSync(join(env.HOME as string, '.cache/with-assumed-role/compile-cache')).length).toBeGreaterThan(0);
  });
});
