// Behind a proxy: a real forward proxy (tinyproxy) on loopback, the project's STS over
// TLS with a certificate from a CA made at test time, and the AWS CLI as the child.
// The proxy's own log says which requests went through it.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { buildVariables, describeWithGroovy, runPipeline } from '../support/jenkins-harness.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';
import { createTestCa } from '../support/test-ca.ts';
import { describeWithTinyproxy, freePort, useTinyproxy } from '../support/tinyproxy.ts';

const world = useStsWorld({ tls: true });
const PASSWORD = 'pr0xy-CANARY-passw0rd';

const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'proxy-test'];
const AWS_CLI_IDENTITY = ['--', 'aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'];
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/proxy-test`;
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
/** `http://alice:<password>@127.0.0.1:PORT`. */
const withPassword = (url: string, password = PASSWORD) => url.replace('http://', `http://alice:${encodeURIComponent(password)}@`);

/** The STS over TLS, trusted through AWS_CA_BUNDLE, and a region for the AWS CLI child. */
function tlsEnv(extra: Record<string, string | undefined> = {}) {
  return world.env({
    AWS_ENDPOINT_URL_STS: world.server.tlsUrl,
    AWS_CA_BUNDLE: world.redirect?.caFile,
    AWS_REGION: 'us-east-1',
    ...extra,
  });
}
const stsTarget = () => `127.0.0.1:${world.server.tlsPortNumber}`;

describeWithTinyproxy('behind a proxy', () => {
  const open = useTinyproxy();
  const guarded = useTinyproxy({ basicAuth: { user: 'alice', password: PASSWORD } });

  it('the wrapper and the AWS CLI it runs both go through HTTPS_PROXY, the child with the variables untouched', async () => {
    const env = tlsEnv({ HTTPS_PROXY: open.proxy.url });
    const result = await runCli([...ROLE, ...AWS_CLI_IDENTITY], { env });
    expect(result.stderr).toMatch(/^withAssumedRole: assumed \S+ until \S+\n$/);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(ASSUMED);
    expect(open.proxy.connects()).toEqual([stsTarget(), stsTarget()]);
    expect(world.server.calls.map((call) => [call.action, call.outcome])).toEqual([
      ['AssumeRole', 'OK'],
      ['GetCallerIdentity', 'OK'],
    ]);
  });

  it('a proxy asking for Basic auth gets the user and password of the URL, and the password shows nowhere', async () => {
    const env = tlsEnv({ HTTPS_PROXY: withPassword(guarded.proxy.url) });
    const result = await runCli([...ROLE, '--verbose', ...AWS_CLI_IDENTITY], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(ASSUMED);
    expect(result.stderr).toContain(
      `proxy: http://alice:****@127.0.0.1:${guarded.proxy.port} (HTTPS_PROXY); CA bundle: ${world.redirect?.caFile} (AWS_CA_BUNDLE)`,
    );
    expect(guarded.proxy.connects()).toEqual([stsTarget(), stsTarget()]);
    expect(result.all).not.toContain(PASSWORD);
  });

  it('--proxy wins over HTTPS_PROXY, --no-proxy turns proxies off', async () => {
    // Each run asks STS, to show the way it goes there: no session kept between them.
    const env = tlsEnv({ HTTPS_PROXY: `http://127.0.0.1:${await freePort()}`, WITH_ASSUMED_ROLE_SESSION_CACHE: 'false' });
    const flag = await runCli([...ROLE, '--proxy', open.proxy.url, '--', 'true'], { env });
    expect(flag.exitCode).toBe(0);
    expect(open.proxy.connects()).toEqual([stsTarget()]);
    open.proxy.clear();
    const off = await runCli([...ROLE, '--no-proxy', '--', 'true'], { env });
    expect(off.exitCode).toBe(0);
    const offByVariable = await runCli([...ROLE, '--', 'true'], { env: { ...env, WITH_ASSUMED_ROLE_PROXY: 'none' } });
    expect(offByVariable.exitCode).toBe(0);
    expect(open.proxy.connects()).toEqual([]);
    expect(world.server.assumeRoleCalls()).toHaveLength(3);
  });

  it('NO_PROXY excludes the endpoint: straight to STS, as --dry-run says', async () => {
    const env = tlsEnv({ HTTPS_PROXY: open.proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    const result = await runCli([...ROLE, '--', 'true'], { env });
    expect(result.exitCode).toBe(0);
    expect(open.proxy.connects()).toEqual([]);
    const plan = await runCli([...ROLE, '--dry-run', '--', 'true'], { env });
    expect(plan.stdout).toContain('  proxy              none (NO_PROXY matches 127.0.0.1)\n');
    expect(plan.stdout).toContain(`  CA bundle          ${world.redirect?.caFile} (AWS_CA_BUNDLE)\n`);
  });

  it('instance metadata and container credentials never go through a proxy', async () => {
    const proxies = { HTTPS_PROXY: open.proxy.url, HTTP_PROXY: open.proxy.url };
    const fromMetadata = await runCli([...ROLE, '--verbose', '--', 'true'], {
      env: world.instanceProfileEnv({ AWS_ENDPOINT_URL_STS: world.server.tlsUrl, AWS_CA_BUNDLE: world.redirect?.caFile, ...proxies }),
    });
    expect(fromMetadata.stderr).toContain('source credentials: instance metadata');
    expect(fromMetadata.exitCode).toBe(0);
    expect(world.server.imdsCalls.length).toBeGreaterThan(0);
    world.server.setContainerRole(ACCOUNT_B, 'TaskRole');
    const fromContainer = await runCli([...ROLE, '--verbose', '--', 'true'], {
      env: tlsEnv({
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${world.server.url}/container-credentials`,
        ...proxies,
      }),
    });
    expect(fromContainer.stderr).toContain('source credentials: container credentials');
    expect(fromContainer.exitCode).toBe(0);
    // Only the two AssumeRole calls, tunnelled; nothing forwarded in plain HTTP (where both endpoints are).
    expect(open.proxy.connects()).toEqual([stsTarget(), stsTarget()]);
    expect(open.proxy.forwarded()).toEqual([]);
  });

  it('doctor shows the proxy and the CA bundle that apply, without the password', async () => {
    const result = await runCli(['doctor', ...ROLE], { env: tlsEnv({ HTTPS_PROXY: withPassword(guarded.proxy.url) }) });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(
      `ok    network            proxy http://alice:****@127.0.0.1:${guarded.proxy.port} (HTTPS_PROXY); CA bundle ${world.redirect?.caFile} (AWS_CA_BUNDLE)\n`,
    );
    expect(result.all).not.toContain(PASSWORD);
    expect(guarded.proxy.connects().length).toBeGreaterThanOrEqual(2);
  });

  describe('failures say which proxy, with the exit code', () => {
    it('proxy down: 75 after retries, the proxy named', async () => {
      const port = await freePort();
      const result = await runCli([...ROLE, '--', 'true'], { env: tlsEnv({ HTTPS_PROXY: `http://127.0.0.1:${port}` }) });
      expect(result.exitCode).toBe(75);
      expect(result.stderr).toMatch(
        new RegExp(
          `^withAssumedRole: STS at https://${stsTarget()} through the proxy http://127\\.0\\.0\\.1:${port}: the proxy http://127\\.0\\.0\\.1:${port} refused the connection, 6 times\\n  fix: check the proxy address`,
        ),
      );
      noStackTrace(result.stderr);
      expect(world.server.calls).toEqual([]);
    });

    it('407 without credentials, and a wrong password: 78, proxy authentication, the password nowhere', async () => {
      const none = await runCli([...ROLE, '--', 'true'], { env: tlsEnv({ HTTPS_PROXY: guarded.proxy.url }) });
      expect(none.exitCode).toBe(78);
      expect(none.stderr).toBe(
        `withAssumedRole: http://127.0.0.1:${guarded.proxy.port}: asks for credentials (407 Proxy Authentication Required)\n` +
          '  fix: give its user and password in the proxy URL: HTTPS_PROXY=http://user:password@proxy:3128 (or --proxy)\n',
      );
      const wrong = await runCli([...ROLE, '--verbose', '--', 'true'], {
        env: tlsEnv({ HTTPS_PROXY: withPassword(guarded.proxy.url, 'wr0ng-CANARY') }),
      });
      expect(wrong.exitCode).toBe(78);
      // tinyproxy answers a wrong password with 401, not 407.
      expect(wrong.stderr).toContain(
        `withAssumedRole: http://alice:****@127.0.0.1:${guarded.proxy.port}: refused its credentials (401 Unauthorized)\n`,
      );
      expect(wrong.all).not.toContain('wr0ng-CANARY');
      // Typed unencoded, a % that starts no escape is a literal %, as the AWS CLI reads it: sent, refused, never shown.
      const percent = await runCli([...ROLE, '--', 'true'], {
        env: tlsEnv({ HTTPS_PROXY: guarded.proxy.url.replace('http://', 'http://alice:50%off-CANARY@') }),
      });
      expect(percent.exitCode).toBe(78);
      expect(percent.stderr).toContain(
        `withAssumedRole: http://alice:****@127.0.0.1:${guarded.proxy.port}: refused its credentials (401 Unauthorized)\n`,
      );
      expect(percent.all).not.toContain('off-CANARY');
      expect(world.server.calls).toEqual([]);
    });

    it("a proxy that cannot reach STS: its error page is not taken for STS's answer (75, the proxy named)", async () => {
      const port = await freePort();
      const env = tlsEnv({ HTTPS_PROXY: open.proxy.url, AWS_ENDPOINT_URL_STS: `https://127.0.0.1:${port}` });
      const result = await runCli([...ROLE, '--', 'true'], { env });
      expect(result.exitCode).toBe(75);
      expect(result.stderr).toContain(
        `withAssumedRole: STS at https://127.0.0.1:${port} through the proxy ${open.proxy.url}: the proxy answered HTTP 500 in place of STS, 6 times (CONNECT 127.0.0.1:${port}: 500 Unable to connect)\n`,
      );
      expect(open.proxy.connects()).toHaveLength(6);
    });

    it('a CA bundle that does not verify STS: 78, the certificate problem and AWS_CA_BUNDLE named', async () => {
      const other = createTestCa();
      for (const proxy of [open.proxy.url, undefined]) {
        const result = await runCli([...ROLE, '--', 'true'], { env: tlsEnv({ HTTPS_PROXY: proxy, AWS_CA_BUNDLE: other.caFile }) });
        expect(result.exitCode).toBe(78);
        expect(result.stderr).toContain(
          'TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate',
        );
        expect(result.stderr).toContain(
          "  fix: where a proxy inspects TLS with your company's CA, point AWS_CA_BUNDLE (or --ca-bundle) at that CA",
        );
        noStackTrace(result.stderr);
      }
      expect(world.server.calls).toEqual([]);
    });

    it('a CA bundle that is missing or not PEM: 78 naming the file, before any request', async () => {
      const missing = await runCli([...ROLE, '--', 'true'], { env: tlsEnv({ AWS_CA_BUNDLE: '/nonexistent/ca.pem' }) });
      expect(missing.exitCode).toBe(78);
      expect(missing.stderr).toBe(
        'withAssumedRole: AWS_CA_BUNDLE /nonexistent/ca.pem: cannot be used as a CA bundle (ENOENT)\n' +
          "  fix: point it at a readable PEM file of the CA certificates to trust (your proxy's CA, for a TLS-inspecting proxy)\n",
      );
      const notPem = await runCli([...ROLE, '--ca-bundle', '/etc/hostname', '--', 'true'], { env: tlsEnv() });
      expect(notPem.exitCode).toBe(78);
      expect(notPem.stderr).toContain('withAssumedRole: --ca-bundle /etc/hostname: cannot be used as a CA bundle (no PEM certificate)\n');
      expect(world.server.calls).toEqual([]);
    });

    it('a proxy URL that is not one: 78 from the environment, 64 as a flag, its text not repeated', async () => {
      const fromEnv = await runCli([...ROLE, '--', 'true'], { env: tlsEnv({ HTTPS_PROXY: `http://alice:${PASSWORD}@[oops` }) });
      expect(fromEnv.exitCode).toBe(78);
      expect(fromEnv.stderr).toBe(
        'withAssumedRole: HTTPS_PROXY: not a proxy URL; expected http://[user:password@]host:port\n  fix: set HTTPS_PROXY to e.g. http://proxy.example.com:3128\n',
      );
      const flag = await runCli([...ROLE, '--proxy', `ftp://alice:${PASSWORD}@proxy`, '--', 'true'], { env: tlsEnv() });
      expect(flag.exitCode).toBe(64);
      expect(flag.stderr).toContain('withAssumedRole: --proxy: not a proxy URL; expected http://[user:password@]host:port\n');
      expect(fromEnv.all + flag.all).not.toContain(PASSWORD);
    });
  });

  describeWithGroovy('the Jenkins step', () => {
    it('proxy: reaches --proxy; neither the dry run nor the reproduce line carries its password', async () => {
      const proxy = withPassword(guarded.proxy.url);
      const run = await runPipeline(
        `withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', proxy: '${proxy}', command: 'echo done')`,
        tlsEnv({ HTTPS_PROXY: `http://127.0.0.1:${await freePort()}` }),
        { pipelineEnv: buildVariables() },
      );
      expect(run.exitCode).toBe(0);
      expect(run.console).toContain('done\n');
      expect(run.console).toMatch(
        /reproduce locally: withAssumedRole --role-arn \S+ --project 'team\/app main' -- \/bin\/sh -c 'echo done' {2}# your credentials/,
      );
      expect(run.console).not.toContain(PASSWORD);
      expect(guarded.proxy.connects()).toEqual([stsTarget()]);
      const plan = await runCli([...ROLE, '--proxy', proxy, '--dry-run', '--', 'true'], { env: tlsEnv() });
      expect(plan.stdout).toContain(`proxy: 'http://alice:****@127.0.0.1:${guarded.proxy.port}'`);
      expect(plan.all).not.toContain(PASSWORD);
    });
  });
});
