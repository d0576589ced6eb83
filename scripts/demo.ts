// npm run demo: the manual assume-role flow, then the same in one line, on loopback, no AWS account needed.
// Account B holds the source credentials (a jenkins user's keys), account A the
// deploy role; the wrapper assumes it and runs examples/deploy.sh, which shows the
// identity it acts as. Uses moto when moto_server is installed, else the project's
// own loopback STS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { commandWorks } from '../test/support/available.ts';
import { motoAvailable, startMoto, startTwoAccountWorld } from '../test/support/moto.ts';
import { StsTestServer } from '../test/support/sts-server.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ROLE_ARN = 'arn:aws:iam::521111111144:role/DeployMaster';
// Bold on a terminal only: piped into a file, the demo writes plain text.
const say = (text: string) => console.log(process.stdout.isTTY ? `\n\x1b[1m${text}\x1b[0m` : `\n${text}`);

let url: string;
let source: { accessKeyId: string; secretAccessKey: string };
let stop: () => Promise<void>;
if (motoAvailable()) {
  say('1. AWS on loopback: moto, with two accounts (A 521111111144: DeployMaster and 3 instances; B 123456789012: the jenkins user)');
  const moto = await startMoto();
  const world = await startTwoAccountWorld(moto.url);
  ({ url, source } = { url: moto.url, source: world.source });
  stop = moto.stop;
} else {
  say("1. AWS on loopback: the project's own STS (moto_server is not installed)");
  const server = await new StsTestServer().start();
  server.ec2Instances = { 'us-east-1': 3 };
  source = server.addUser('arn:aws:iam::123456789012:user/jenkins');
  url = server.url;
  stop = () => server.close();
}

const home = mkdtempSync(join(tmpdir(), 'war-demo-'));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  USER: process.env.USER ?? 'demo',
  AWS_ACCESS_KEY_ID: source.accessKeyId,
  AWS_SECRET_ACCESS_KEY: source.secretAccessKey,
  AWS_ENDPOINT_URL: url,
  AWS_EC2_METADATA_DISABLED: 'true',
};
const command = commandWorks('aws')
  ? ['./examples/deploy.sh']
  : [
      process.execPath,
      '-e',
      "console.log('deploy: AWS_ACCESS_KEY_ID is set:', Boolean(process.env.AWS_ACCESS_KEY_ID), 'until', process.env.AWS_CREDENTIAL_EXPIRATION)",
    ];
const wrapper = ['bin/with-assumed-role.cjs', '--role-arn', ROLE_ARN, '--project', 'demo', '--environment', 'dev', '--region', 'us-east-1'];

try {
  say('2. Where the source credentials come from and what would be asked (--dry-run):');
  spawnSync(process.execPath, ['--', ...wrapper, '--dry-run', '--', ...command], { cwd: ROOT, env, stdio: 'inherit' });
  say(
    `3. The one line a pipeline stage runs: withAssumedRole --role-arn ${ROLE_ARN} --project demo --environment dev --region us-east-1 -- ${command.join(' ')}`,
  );
  const run = spawnSync(process.execPath, ['--', ...wrapper, '--', ...command], { cwd: ROOT, env, stdio: 'inherit' });
  say(`4. Exit code ${run.status}: the deploy script's own. Its credentials were in its environment only; this shell never saw them.`);
  process.exitCode = run.status ?? 1;
} finally {
  await stop();
  rmSync(home, { recursive: true, force: true });
}
