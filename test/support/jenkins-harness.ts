// Runs a pipeline script through test/jenkins/harness.groovy on Groovy 2.4, with
// the shared library's vars/ and the freshly built CLI bundle as its resource.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { commandWorks } from './available.ts';
import { CLI, type Env, ROOT } from './cli.ts';
import { describeRequiring } from './describe-requiring.ts';

export const JAVA_HOME = process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64';

export const groovyAvailable = () => commandWorks('groovy', ['--version'], { ...process.env, JAVA_HOME });

/** A library root like the one Jenkins checks out: vars/ from the repo, resources/ holding dist's bundle, its hash and the launcher. */
function libraryRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'war-library-'));
  symlinkSync(join(ROOT, 'jenkins/vars'), join(root, 'vars'));
  const resources = join(root, 'resources/with-assumed-role');
  mkdirSync(resources, { recursive: true });
  symlinkSync(CLI, join(resources, 'with-assumed-role.cjs'));
  writeFileSync(join(resources, 'with-assumed-role.cjs.sha256'), `${createHash('sha256').update(readFileSync(CLI)).digest('hex')}\n`);
  symlinkSync(join(ROOT, 'jenkins/resources/with-assumed-role/launch.sh'), join(resources, 'launch.sh'));
  return root;
}

/** What the harness emulates besides the agent's own environment (see test/jenkins/harness.groovy). */
export interface PipelineSetup {
  /** The run's variables (JOB_NAME, BUILD_NUMBER, ...): the pipeline's, not the agent process's. */
  pipelineEnv?: Env;
  credentials?: Record<
    string,
    | { type: 'aws'; accessKeyId: string; secretAccessKey: string }
    | { type: 'string'; secret: string }
    | { type: 'file'; content: string; fileName?: string }
  >;
  /** docker.image(NAME).inside: the image's own variables. */
  images?: Record<string, { env: Env }>;
  /** Kubernetes container(NAME): the container spec's variables. */
  containers?: Record<string, { env: Env }>;
  /** The network namespace docker.inside runs its sh steps in. */
  netns?: string;
  /** node binaries hidden in containers. */
  hide?: string[];
  /** node binaries hidden on the agent itself: an agent without node. */
  agentHide?: string[];
  /** The build is aborted when an sh step prints this: the step throws, as Jenkins' does. */
  abortOn?: string;
}

/** A Jenkins build's own variables, as the pipeline (not the agent) holds them. */
export function buildVariables(extra: Env = {}): Env {
  return { JENKINS_URL: 'https://ci.example.com/', JOB_NAME: 'team/app main', BUILD_NUMBER: '42', BUILD_ID: '42', ...extra };
}

/** What the pipeline cost, as the harness counted it (durable sh steps, bytes written to the agent). */
export interface PipelineStats {
  sh: number;
  writeFile: number;
  writeFileBytes: number;
  readFile: number;
  fileExists: number;
}

export interface PipelineRun {
  exitCode: number | undefined;
  console: string;
  workspace: string;
  stats: PipelineStats;
}

/** Where the agent runs: a network namespace of its own (agent-network.ts), for AWS's link-local endpoints. */
export interface AgentPlace {
  netns?: string;
}

/** A pipeline started, not yet ended: the agent process (the harness's JVM), the console so far. */
export interface StartedPipeline {
  /** The agent process: killing it is an agent that crashed. */
  agent: { kill(signal?: NodeJS.Signals): boolean } & PromiseLike<unknown>;
  consoleLog: string;
  workspace: string;
  ended: Promise<PipelineRun>;
}

/** Starts `pipeline` (Groovy pipeline code) with `env` as the agent process's own environment. */
export function startPipeline(
  pipeline: string,
  env: Env,
  setup: PipelineSetup = { pipelineEnv: buildVariables() },
  place: AgentPlace = {},
  workspace?: string,
): StartedPipeline {
  const dir = mkdtempSync(join(tmpdir(), 'war-pipeline-'));
  const script = join(dir, 'Jenkinsfile.groovy');
  const consoleLog = join(dir, 'console.log');
  workspace ??= join(dir, 'workspace');
  const setupFile = join(dir, 'setup.json');
  writeFileSync(script, pipeline);
  writeFileSync(consoleLog, '');
  writeFileSync(setupFile, JSON.stringify(setup));
  const harness = join(ROOT, 'test/jenkins/harness.groovy');
  const groovy: [string, string[]] = ['groovy', [harness, libraryRoot(), script, consoleLog, workspace, setupFile]];
  const [file, args] = place.netns === undefined ? groovy : ['ip', ['netns', 'exec', place.netns, groovy[0], ...groovy[1]]];
  const agent = execa(file, args, {
    // The JVM's temporary files (and no hsperfdata) in the run's TMPDIR, not /tmp.
    env: { ...env, JAVA_HOME, JAVA_OPTS: `-XX:-UsePerfData -Djava.io.tmpdir=${tmpdir()}` },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  const ended = agent.then((result) => {
    if (result.stderr.trim() !== '' || (result.exitCode !== 0 && result.exitCode !== 1))
      throw new Error(`harness failed: ${result.stderr}`);
    const stats = JSON.parse(readFileSync(`${consoleLog}.stats.json`, 'utf8')) as PipelineStats;
    return { exitCode: result.exitCode, console: readFileSync(consoleLog, 'utf8'), workspace: workspace as string, stats };
  });
  return { agent, consoleLog, workspace, ended };
}

/** The console's lines that are the step's own: neither Jenkins' step markers nor what the body printed. */
export const stepLines = (log: string, body: readonly string[]) =>
  log
    .split('\n')
    .filter(
      (line) => line !== '' && !line.startsWith('[Pipeline]') && !line.startsWith('Finished:') && !body.some((text) => line.includes(text)),
    );

/** Runs `pipeline` (Groovy pipeline code) with `env` as the agent process's own environment. */
export function runPipeline(
  pipeline: string,
  env: Env,
  setup: PipelineSetup = { pipelineEnv: buildVariables() },
  place: AgentPlace = {},
  workspace?: string,
): Promise<PipelineRun> {
  return startPipeline(pipeline, env, setup, place, workspace).ended;
}

/** Like describe, when groovy and java are here; else a notice (and a failure under CI). */
export function describeWithGroovy(name: string, body: () => void): void {
  const requirement = {
    available: groovyAvailable(),
    needs: 'needs groovy and java, which CI must provide',
    missingUnderCi: 'groovy is not installed: CI must run the Jenkins step tests (apt-get install groovy)',
    notice: (skipped: string) => `NOTICE: groovy or java not found; skipping "${skipped}". apt-get install groovy to run it.`,
    // A pipeline starts a JVM and several CLI runs per step: minutes on a busy 2-core machine, not the default 30 s.
    timeout: 180_000,
  };
  describeRequiring(requirement, name, body);
}
