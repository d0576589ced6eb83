// Every AWS SDK a deploy tool is built on, on every kind of agent, in every mode: the
// role, or a closed failure; never the agent's own identity. The agent runs in a
// network namespace whose link-local addresses answer as AWS's do (instance metadata,
// ECS and EKS Pod Identity credentials), each with an identity of the agent's own,
// so that a client falling back to one shows that identity instead of an error. The
// control rows prove each client reaches them. What each cell expects is
// test/support/sdk-matrix.ts, which docs/sdk-matrix.md is generated from.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AgentNetwork, createAgentNetwork } from '../support/agent-network.ts';
import { ALL_CLIENTS, type AwsClient, availableClients, identitiesCommand, identitiesIn } from '../support/aws-clients.ts';
import { type AwsRedirect, startAwsRedirect } from '../support/aws-redirect.ts';
import { CLI, type Env, isolatedHome } from '../support/cli.ts';
import { describeWithContainers, nodeBinaries } from '../support/container-network.ts';
import { buildVariables, describeWithGroovy, type PipelineSetup, runPipeline } from '../support/jenkins-harness.ts';
import { type AgentKind, CONTAINER_CELLS, type Expected, expectedResult, KINDS, type MatrixMode } from '../support/sdk-matrix.ts';
import { StsTestServer } from '../support/sts-server.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN } from '../support/sts-world.ts';
import { createTestCa } from '../support/test-ca.ts';

const IRSA_ROLE = `arn:aws:iam::${ACCOUNT_B}:role/AgentIrsa`;
const roleArn = (session: string) => `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/${session}`;

describeWithGroovy('every SDK on every agent', () => {
  describeWithContainers('acts as the role or fails, never as the agent', () => {
    let server: StsTestServer;
    let redirect: AwsRedirect & { caFile: string };
    let agent: AgentNetwork;
    let dockerNetwork: AgentNetwork;
    let home: string;
    const identities: Record<string, string> = {};

    beforeAll(async () => {
      server = await new StsTestServer().start(0, '0.0.0.0');
      const ca = createTestCa();
      await server.startTls(ca.issue(['sts.amazonaws.com', 'sts.us-east-1.amazonaws.com']));
      redirect = { ...(await startAwsRedirect(server.tlsPortNumber, '0.0.0.0')), caFile: ca.caFile };
      const session = (role: string, name: string) => {
        const credentials = server.addRoleSession(ACCOUNT_B, role, name);
        identities[credentials.accessKeyId] = `arn:aws:sts::${ACCOUNT_B}:assumed-role/${role}/${name}`;
        return { ...credentials, role, roleArn: `arn:aws:iam::${ACCOUNT_B}:role/${role}`, account: ACCOUNT_B };
      };
      const endpoints = {
        instance: session('AgentInstance', 'i-0agent'),
        task: session('AgentTask', 'agent-task'),
        pod: session('AgentPod', 'eks-pod'),
        podToken: 'pod-identity-token-of-the-agent',
      };
      agent = await createAgentNetwork(endpoints);
      // docker.inside on EC2: the container has a network of its own, yet instance metadata answers there too.
      dockerNetwork = await createAgentNetwork({ instance: endpoints.instance });
      home = isolatedHome();
      writeFileSync(join(home, 'pod-token'), endpoints.podToken);
      writeFileSync(join(home, 'irsa-token'), 'irsa-token-of-the-agent');
      server.trustWebIdentity('irsa-token-of-the-agent', IRSA_ROLE);
      const profileUser = server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/AgentProfile`);
      writeFileSync(
        join(home, 'aws-credentials'),
        `[agent]\naws_access_key_id = ${profileUser.accessKeyId}\naws_secret_access_key = ${profileUser.secretAccessKey}\n`,
      );
    }, 120_000);
    afterAll(async () => {
      await agent?.remove();
      await dockerNetwork?.remove();
      await redirect?.close();
      await server?.close();
    });

    const port = () => Number(new URL(server.url).port);
    /** What reaches the test's servers from inside `network`. */
    const reach = (network: AgentNetwork): Env => ({
      AWS_ENDPOINT_URL_STS: `http://${network.hostAddress}:${port()}`,
      WAR_TEST_PROXY: `http://${network.hostAddress}:${new URL(redirect.proxyUrl).port}`,
      WAR_TEST_CA: redirect.caFile,
    });
    /** The agent process's own environment for each kind of agent. */
    const agentEnv = (kind: AgentKind): Env => {
      const base: Env = {
        PATH: process.env.PATH,
        HOME: home,
        LANG: 'C.UTF-8',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: join(home, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
        ...reach(agent),
      };
      switch (kind) {
        case 'ec2':
        case 'with-credentials':
          return base;
        case 'ecs':
          return { ...base, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/agent-task' };
        case 'pod-identity':
          return {
            ...base,
            AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(home, 'pod-token'),
          };
        case 'irsa':
          return { ...base, AWS_WEB_IDENTITY_TOKEN_FILE: join(home, 'irsa-token'), AWS_ROLE_ARN: IRSA_ROLE };
        case 'profile':
          return { ...base, AWS_PROFILE: 'agent' };
        case 'agent-keys': {
          const keys = server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/AgentKeys`);
          return { ...base, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey };
        }
      }
    };
    const pipelineSetup = (kind: AgentKind, extra: PipelineSetup = {}): PipelineSetup => {
      if (kind !== 'with-credentials') return { pipelineEnv: buildVariables(), ...extra };
      const keys = server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/CiKeys`);
      return {
        pipelineEnv: buildVariables(),
        credentials: { 'ci-keys': { type: 'aws', accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } },
        ...extra,
      };
    };
    const wrap = (kind: AgentKind, steps: string) =>
      kind === 'with-credentials'
        ? `withCredentials([[$class: 'AmazonWebServicesCredentialsBinding', credentialsId: 'ci-keys']]) {\n${steps}\n}`
        : steps;

    /** Each client's line must be the role, or a failure as expected: any other ARN is the agent's identity. */
    function expectCell(kind: AgentKind, mode: MatrixMode, log: string, clients: readonly AwsClient[], session: string): void {
      const seen = identitiesIn(log);
      for (const client of clients) {
        const line = seen[client]?.[0] ?? '(no output)';
        const where = `${kind} / ${mode} / ${client}: ${line}\n${log}`;
        expect(line.startsWith('arn:') && line !== roleArn(session), `the agent's identity: ${where}`).toBe(false);
        const expected: Expected = expectedResult(kind, mode, client);
        if (expected === 'role') expect(line, where).toBe(roleArn(session));
        else expect(line, where).not.toMatch(/^arn:/);
      }
    }

    /** Files of the AWS CLI's cache in the agent's home holding a session of this role/session name. */
    const cachedSessions = (session: string) => {
      const dir = join(home, '.aws', 'cli', 'cache');
      return existsSync(dir) ? readdirSync(dir).filter((name) => readFileSync(join(dir, name), 'utf8').includes(session)) : [];
    };

    /** Splits a console log at `cell <mode>` lines. */
    const sections = (log: string): Record<string, string> =>
      Object.fromEntries(
        log
          .split(/^cell /m)
          .slice(1)
          .map((part) => [part.slice(0, part.indexOf('\n')), part]),
      );

    it('control: without the step, each client acts as the agent on every kind of agent (the emulation is reached)', async () => {
      const clients = availableClients(ALL_CLIENTS);
      const seen: string[] = [];
      const wanted: string[] = [];
      for (const kind of ['ec2', 'ecs', 'pod-identity', 'irsa', 'profile'] as const) {
        const [file, args] = agent.exec('sh', ['-c', identitiesCommand(clients)]);
        const result = await execa(file, args, { env: agentEnv(kind), extendEnv: false, reject: false });
        const lines = identitiesIn(result.stdout);
        for (const client of clients) {
          const line = lines[client]?.[0] ?? '(no output)';
          seen.push(
            `${kind} ${client} ${line.startsWith(`arn:aws:sts::${ACCOUNT_B}:`) || line.startsWith(`arn:aws:iam::${ACCOUNT_B}:`) ? 'agent' : `fails (${line})`}`,
          );
          wanted.push(`${kind} ${client} ${expectedResult(kind, 'control', client)}`);
        }
      }
      expect(seen.map((line) => line.replace(/ fails \(.*\)$/, ' fails'))).toEqual(wanted);
    });

    for (const kind of KINDS) {
      it(`${kind} agent: block form, command form, refresh: true`, async () => {
        const clients = availableClients(ALL_CLIENTS);
        const command = identitiesCommand(clients);
        const cell = (mode: MatrixMode, call: string) =>
          `echo 'cell ${mode}'\ntry {\n  ${call}\n} catch (stopped) {\n  echo "stopped: \${stopped.message}"\n}`;
        const pipeline = [
          cell(
            'block',
            `withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', sessionName: 'block') { sh '${command}; echo "cli-cache $(grep -l DeployMaster/block "$HOME"/.aws/cli/cache/*.json 2>/dev/null | wc -l)"' }`,
          ),
          cell('command', `withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', sessionName: 'command', command: '${command}')`),
          cell(
            'step-refresh',
            `withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', sessionName: 'step-refresh', refresh: true, command: '${command}')`,
          ),
        ].join('\n');
        const run = await runPipeline(wrap(kind, pipeline), agentEnv(kind), pipelineSetup(kind), { netns: agent.name });
        const parts = sections(run.console);
        if (kind === 'irsa') {
          // source mode: the AWS CLIs cached the role's credentials in ~/.aws/cli/cache during the block; its end removes them.
          expect(parts.block).toMatch(/^cli-cache [1-9]/m);
          expect(cachedSessions('DeployMaster/block')).toEqual([]);
        }
        for (const mode of ['block', 'command', 'step-refresh'] as const) {
          const part = parts[mode] ?? '';
          if (expectedResult(kind, mode, 'v1') === 'stops') {
            expect(part, part).toContain("set in this agent's own environment");
            expect(identitiesIn(part)).toEqual({});
          } else {
            expectCell(kind, mode, part, clients, mode);
          }
        }
      });

      it(`${kind} agent: the CLI's --refresh and static keys`, async () => {
        const clients = availableClients(ALL_CLIENTS);
        const env = agentEnv(kind);
        if (kind === 'with-credentials') {
          const keys = server.addUser(`arn:aws:iam::${ACCOUNT_B}:user/CiKeys`);
          Object.assign(env, { AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey });
        }
        for (const mode of ['cli-refresh', 'cli'] as const) {
          const [file, args] = agent.exec(process.execPath, [
            '--',
            CLI,
            '--role-arn',
            DEPLOY_ROLE_ARN,
            '--session-name',
            mode,
            ...(mode === 'cli-refresh' ? ['--refresh'] : []),
            '--',
            'sh',
            '-c',
            identitiesCommand(clients),
          ]);
          const result = await execa(file, args, { env, extendEnv: false, reject: false, all: true });
          expect(result.exitCode, result.all).toBe(0);
          expectCell(kind, mode, result.stdout, clients, mode);
        }
      });
    }

    for (const cell of CONTAINER_CELLS) {
      it(`${cell.kind} agent, body in ${cell.place}: ${cell.name}`, async () => {
        const inContainer = (client: AwsClient) => cell.node || (client !== 'sdk' && client !== 'sdk2');
        const clients = availableClients(ALL_CLIENTS).filter(inContainer);
        const docker = cell.place === 'docker.inside';
        const tools: Env = {
          PATH: process.env.PATH,
          HOME: isolatedHome(),
          LANG: 'C.UTF-8',
          AWS_DEFAULT_REGION: 'us-east-1',
          ...reach(docker ? dockerNetwork : agent),
          ...(cell.spec === 'pod-identity'
            ? {
                AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
                AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(home, 'pod-token'),
              }
            : cell.spec === 'irsa'
              ? { AWS_WEB_IDENTITY_TOKEN_FILE: join(home, 'irsa-token'), AWS_ROLE_ARN: IRSA_ROLE }
              : {}),
        };
        const enter = docker ? `docker.image('tools').inside` : `container('tools')`;
        const run = await runPipeline(
          `withAssumedRole(roleArn: '${DEPLOY_ROLE_ARN}', sessionName: 'in-container') { ${enter} { sh '${identitiesCommand(clients)}' } }`,
          { ...agentEnv(cell.kind), ...(docker ? {} : { KUBERNETES_SERVICE_HOST: '10.100.0.1' }) },
          pipelineSetup(cell.kind, {
            images: { tools: { env: tools } },
            containers: { tools: { env: tools } },
            ...(docker ? { netns: dockerNetwork.name } : {}),
            hide: cell.node ? [] : nodeBinaries(),
          }),
          { netns: agent.name },
        );
        expect(run.exitCode, run.console).toBe(0);
        expectCell(cell.kind, cell.mode, run.console, clients, 'in-container');
      });
    }
  });
});
