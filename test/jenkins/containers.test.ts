// The block form with its body in containers: docker.image(...).inside (its own
// network, no node, the image's variables plus the pipeline's that differ from the
// agent's) and Kubernetes container() (shared loopback, no node, the container spec's
// variables, IRSA or Pod Identity among them). See test/jenkins/harness.groovy.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AwsClient, availableClients, identitiesIn } from '../support/aws-clients.ts';
import { type Env, fixture, isolatedHome } from '../support/cli.ts';
import { type ContainerNetwork, createContainerNetwork, describeWithContainers, nodeBinaries } from '../support/container-network.ts';
import { buildVariables, describeWithGroovy, type PipelineSetup, runPipeline } from '../support/jenkins-harness.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const ROLE = `roleArn: '${DEPLOY_ROLE_ARN}', sessionName: 'in-container'`;
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/in-container`;
const POD_ROLE = `arn:aws:iam::${ACCOUNT_B}:role/JenkinsPod`;
const OTHER_POD_ROLE = `arn:aws:iam::${ACCOUNT_B}:role/ToolsContainer`;

describeWithGroovy('the block form around containers', () => {
  describeWithContainers('docker.inside and Kubernetes container()', () => {
    let network: ContainerNetwork | undefined;
    beforeAll(() => {
      network = createContainerNetwork();
    });
    afterAll(() => network?.remove());
    const world = useStsWorld({ tls: true, host: () => (network as ContainerNetwork).hostAddress });

    /** Containers have no node: the JS SDK client cannot run there. */
    const clients = (): AwsClient[] => availableClients().filter((client) => client !== 'sdk');

    /** What an image or a container spec with the AWS tools holds of its own. */
    const toolsEnv = (extra: Env = {}): Env => ({
      PATH: process.env.PATH,
      HOME: isolatedHome(),
      LANG: 'C.UTF-8',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_STS: world.server.url,
      AWS_EC2_METADATA_DISABLED: 'true',
      WAR_TEST_PROXY: world.redirect?.proxyUrl,
      WAR_TEST_CA: world.redirect?.caFile,
      ...extra,
    });
    const agentEnv = (extra: Env = {}) =>
      world.instanceProfileEnv({
        AWS_DEFAULT_REGION: 'us-east-1',
        WAR_TEST_PROXY: world.redirect?.proxyUrl,
        WAR_TEST_CA: world.redirect?.caFile,
        ...extra,
      });
    /** The agent container of a Kubernetes pod: kubelet sets KUBERNETES_SERVICE_HOST in every container. */
    const podAgentEnv = (extra: Env = {}) => agentEnv({ KUBERNETES_SERVICE_HOST: '10.100.0.1', ...extra });
    const setup = (extra: PipelineSetup = {}): PipelineSetup => ({
      pipelineEnv: buildVariables(),
      netns: (network as ContainerNetwork).name,
      hide: nodeBinaries(),
      images: { 'aws-tools': { env: toolsEnv() } },
      containers: { aws: { env: toolsEnv() } },
      ...extra,
    });
    const identities = () => `sh '${fixture('identities.sh')} ${clients().join(' ')}'`;
    const expectRole = (log: string) => {
      const seen = identitiesIn(log);
      for (const client of clients()) expect(seen[client], `${client}\n${log}`).toEqual([ASSUMED]);
    };

    it('docker.inside: no node, no agent loopback, yet every client acts as the role, and keeps doing so across refreshes', async () => {
      world.server.lifetimeSeconds = 4;
      world.server.expiry = 'generations';
      // A server on the agent's own loopback, which the container must not reach.
      const loopback = createServer((_request, response) => response.end('REACHED-AGENT-LOOPBACK')).listen(0, '127.0.0.1');
      await once(loopback, 'listening');
      const port = (loopback.address() as AddressInfo).port;
      const run = await runPipeline(
        `
withAssumedRole(${ROLE}) {
  docker.image('aws-tools').inside('-u 1000') {
    sh 'if command -v node >/dev/null && node -e "" 2>/dev/null; then echo "node here"; fi'
    sh 'curl -s -m 2 http://127.0.0.1:${port}/ || echo "no agent loopback"'
    sh '${fixture('until-served.sh')} 3 ${clients().join(' ')}'
  }
}
`,
        agentEnv(),
        setup(),
      );
      loopback.close();
      expect(run.exitCode, run.console).toBe(0);
      expect(run.console).not.toContain('node here');
      expect(run.console).not.toContain('REACHED-AGENT-LOOPBACK');
      expect(run.console).toContain('no agent loopback');
      const rounds = Number(/^done after (\d+) rounds$/m.exec(run.console)?.[1]);
      expect(rounds).toBeLessThan(200);
      const seen = identitiesIn(run.console);
      for (const client of clients()) expect(new Set(seen[client]), client).toEqual(new Set([ASSUMED]));
      expect(world.server.assumeRoleCalls().length).toBeGreaterThanOrEqual(3);
    });

    it('the step itself in a container without node: stops at once, one line naming what is missing and the fixes', async () => {
      const run = await runPipeline(
        `docker.image('aws-tools').inside { withAssumedRole(${ROLE}) { sh 'echo body-ran' } }`,
        agentEnv(),
        setup(),
      );
      expect(run.exitCode).toBe(1);
      expect(run.console).toContain(
        'withAssumedRole: node: not found where the step runs; it runs its CLI with Node.js 22 or newer\n  fix: ',
      );
      expect(run.console).toContain('inside a container without node, call the step outside it');
      expect(run.console).toContain('ERROR: withAssumedRole: exit code 69: no usable Node.js or CLI where the step runs');
      expect(run.console).not.toContain('body-ran');
      expect(world.server.assumeRoleCalls()).toHaveLength(0);
    });

    it('Kubernetes container(): the role, also where the container spec carries Pod Identity', async () => {
      world.server.setContainerRole(ACCOUNT_B, 'PodIdentity');
      const podIdentity = toolsEnv({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${world.server.url}/container-credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod-identity-token',
      });
      const run = await runPipeline(
        `withAssumedRole(${ROLE}) { container('aws') { ${identities()} }; container('pod-identity') { ${identities()} } }`,
        podAgentEnv(),
        setup({ containers: { aws: { env: toolsEnv() }, 'pod-identity': { env: podIdentity } } }),
      );
      expect(run.exitCode, run.console).toBe(0);
      const seen = identitiesIn(run.console);
      for (const client of clients()) expect(seen[client], client).toEqual([ASSUMED, ASSUMED]);
    });

    it('Kubernetes IRSA pod-wide (EKS injects it into every container): the tools assume the role themselves', async () => {
      const token = join(mkdtempSync(join(tmpdir(), 'war-irsa-')), 'token');
      writeFileSync(token, 'pod-token');
      world.server.trustWebIdentity('pod-token', POD_ROLE);
      const irsa = { AWS_ROLE_ARN: POD_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: token };
      const run = await runPipeline(
        `withAssumedRole(${ROLE}) { container('aws') { ${identities()} } }`,
        podAgentEnv({ AWS_EC2_METADATA_DISABLED: 'true', ...irsa }),
        setup({ containers: { aws: { env: toolsEnv(irsa) } } }),
      );
      expect(run.exitCode, run.console).toBe(0);
      expect(run.console).toContain("the block's AWS tools assume the role themselves, from the source credentials");
      expectRole(run.console);
    });

    it("IRSA in a tool container's own spec only: auto acts as the role on a Kubernetes agent; credentials: 'role' fails there, never as the pod role", async () => {
      const token = join(mkdtempSync(join(tmpdir(), 'war-irsa-')), 'token');
      writeFileSync(token, 'tools-token');
      world.server.trustWebIdentity('tools-token', OTHER_POD_ROLE);
      const spec = toolsEnv({ AWS_ROLE_ARN: OTHER_POD_ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: token });
      const auto = await runPipeline(
        `withAssumedRole(${ROLE}) { container('aws') { ${identities()} } }`,
        podAgentEnv(),
        setup({ containers: { aws: { env: spec } } }),
      );
      expect(auto.exitCode, auto.console).toBe(0);
      expect(auto.console).toContain("a Kubernetes agent: the block's AWS tools assume the role themselves");
      expectRole(auto.console);
      const role = await runPipeline(
        `withAssumedRole(${ROLE}, credentials: 'role') { container('aws') { ${identities()} } }`,
        podAgentEnv(),
        setup({ containers: { aws: { env: spec } } }),
      );
      expect(role.exitCode, role.console).toBe(0);
      const seen = identitiesIn(role.console);
      for (const client of clients()) expect(seen[client]?.[0], client).toContain('AccessDenied');
      expect(role.console).not.toContain('assumed-role/ToolsContainer');
    });
  });
});
