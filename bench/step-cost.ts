// The step's cost in a Jenkins, counted by the harness as Jenkins would (test/jenkins/harness.groovy):
// durable sh steps of its own, bytes written to the agent, console lines of its own. Counts, not times:
// each against its budget (issue #27), the floor being the same pipeline without the step.
import { cleanEnv } from '../test/support/cli.ts';
import { groovyAvailable, type PipelineRun, runPipeline, stepLines } from '../test/support/jenkins-harness.ts';
import type { StsTestServer } from '../test/support/sts-server.ts';

export type Row = (label: string, value: string, budget?: string, ok?: boolean) => boolean;

const ROLE = "roleArn: 'arn:aws:iam::521111111144:role/DeployMaster', sessionName: 'bench'";
const BODY = "sh 'echo body-ran'";
const COMMAND = 'echo command-ran';

/** Runs each form twice on one agent (one workspaces' folder) and prints its counts; false when one is over its budget. */
export async function stepCost(server: StsTestServer, row: Row): Promise<boolean> {
  console.log("\nthe step's cost in a Jenkins pipeline (harness counts, not times)");
  if (!groovyAvailable()) {
    if (process.env.CI) throw new Error('groovy is not installed: CI must measure the step (apt-get install groovy)');
    console.log('  groovy not found: not measured (apt-get install groovy)');
    return true;
  }
  server.setInstanceProfile('123456789012', 'AssumeRoleInA');
  const agent = () =>
    cleanEnv({
      AWS_EC2_METADATA_DISABLED: undefined,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: server.url,
      AWS_ENDPOINT_URL_STS: server.url,
      AWS_DEFAULT_REGION: 'us-east-1',
    });
  const twice = async (pipeline: string): Promise<[PipelineRun, PipelineRun]> => {
    const first = await runPipeline(pipeline, agent());
    const again = await runPipeline(pipeline, agent(), undefined, {}, first.workspace);
    for (const run of [first, again]) if (run.exitCode !== 0) throw new Error(`pipeline failed:\n${run.console}`);
    return [first, again];
  };
  const [bare] = await twice(BODY);
  const [blockFirst, block] = await twice(`withAssumedRole(${ROLE}) { ${BODY} }`);
  const [commandFirst, command] = await twice(`withAssumedRole(${ROLE}, command: '${COMMAND}')`);
  let ok = true;
  const count = (label: string, value: number, budget: number, unit = '') =>
    row(label, `${value}${unit}`, `budget ${budget}${unit}`, value <= budget) && ok;
  row('floor: the body alone, sh steps', String(bare.stats.sh));
  ok = count('block: sh steps of its own', block.stats.sh - bare.stats.sh, 2);
  ok = count('block: console lines of its own', stepLines(block.console, ['body-ran']).length, 3);
  row('block: bytes to the agent, first use', `${blockFirst.stats.writeFileBytes} B`, 'the CLI, once per agent and version');
  ok = count('block: bytes to the agent, then', block.stats.writeFileBytes, 0, ' B');
  ok = count('command: sh steps', command.stats.sh, 1);
  ok = count('command: console lines of its own', stepLines(command.console, ['command-ran']).length, 3);
  row('command: bytes to the agent, first use', `${commandFirst.stats.writeFileBytes} B`, 'the CLI, once per agent and version');
  ok = count('command: bytes to the agent, then', command.stats.writeFileBytes, 0, ' B');
  return ok;
}
