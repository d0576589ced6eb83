// The package as a user installs it: packed, installed into an empty project from
// the tarball, its command run, its library imported and type-checked there.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.ts';

describe('the packed package', () => {
  it('ships only what it needs, installs from its tarball, runs, imports and type-checks', { timeout: 240_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'war-pack-'));
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
    const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    const paths = files.map((file) => file.path);
    expect(paths).toContain('bin/with-assumed-role.cjs');
    expect(paths).toContain('dist/with-assumed-role.cjs');
    expect(paths).toContain('dist/lib/index.js');
    expect(paths).toContain('dist/lib/index.d.ts');
    expect(
      paths.filter((path) => !/^(bin\/|dist\/|docs\/[\w-]+\.md$|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/.test(path)),
    ).toEqual([]);
    // The packed README's and docs' links, as a registry page or an unpacked copy follows them: every one is in the tarball.
    const broken: string[] = [];
    for (const page of paths.filter((path) => path.endsWith('.md'))) {
      const text = readFileSync(join(ROOT, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        const path = posix.normalize(posix.join(posix.dirname(page), target.split('#')[0] as string));
        if (!paths.includes(path)) broken.push(`${page}: ${target}`);
      }
    }
    expect(broken).toEqual([]);

    const project = join(work, 'consumer');
    await execa('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // @types/node as a Node project has it: the SDK's types name node's modules.
    const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')).version as string;
    await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, filename), `@types/node@${typesNode}`], {
      cwd: project,
    });

    const bin = join(project, 'node_modules/.bin/withAssumedRole');
    expect((await execa(bin, ['--version'], { cwd: project })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // The installed command, not Node, answers for a missing env file (Node checks an --env-file after a script itself).
    const missing = await execa(bin, ['--env-file', 'ci/dev.env', '--', 'true'], { cwd: project, reject: false });
    expect(missing.exitCode).toBe(78);
    expect(missing.stderr).toContain(
      `withAssumedRole: --env-file ci/dev.env: cannot be read (ENOENT)\n  fix: check the path (relative to ${project})`,
    );
    const plan = await execa(bin, ['--role-arn', 'arn:aws:iam::521111111144:role/DeployMaster', '--dry-run', '--', 'true'], {
      cwd: project,
      env: { AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(plan.stdout).toContain('dry run: STS not called, nothing run');

    const imported = await execa(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { assumeRole, isWithAssumedRoleError, VERSION } from 'with-assumed-role'; console.log(typeof assumeRole, typeof isWithAssumedRoleError, VERSION)",
      ],
      { cwd: project },
    );
    expect(imported.stdout).toMatch(/^function function \d+\.\d+\.\d+$/);

    writeFileSync(
      join(project, 'consumer.ts'),
      `import { assumeRole, type AssumeRoleOptions, isWithAssumedRoleError } from 'with-assumed-role';
const options: AssumeRoleOptions = { roleArn: 'arn:aws:iam::521111111144:role/DeployMaster', sessionName: 'consumer' };
export async function who(): Promise<string> {
  try {
    return (await assumeRole(options)).assumedRoleArn;
  } catch (error) {
    return isWithAssumedRoleError(error) ? \`exit \${error.exitCode}: \${error.fix}\` : 'bug';
  }
}
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
      }),
    );
    const checked = await execa(join(ROOT, 'node_modules/.bin/tsc'), ['-p', project], { cwd: project, reject: false });
    expect(checked.stdout).toBe('');
    expect(checked.exitCode).toBe(0);
  });
});
