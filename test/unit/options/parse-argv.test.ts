import { describe, expect, it } from 'vitest';
import { parseArgv, splitAtDoubleDash } from '../../../src/options/parse-argv.ts';

describe('parseArgv', () => {
  it.each([
    [['--role-arn', 'a', '--dry-run'], { kind: 'command', command: 'exec', flags: { 'role-arn': 'a', 'dry-run': true } }],
    [
      ['--no-mask', '--env-file', 'a.env', '--env-file', 'b.env'],
      { kind: 'command', command: 'exec', flags: { mask: false, 'env-file': ['a.env', 'b.env'] } },
    ],
    [
      ['print', '--format', 'process', '--cache-file', 'c.json'],
      { kind: 'command', command: 'print', flags: { format: 'process', 'cache-file': 'c.json' } },
    ],
    [
      ['verify', '--region', 'us-east-1,eu-west-1', '--json'],
      { kind: 'command', command: 'verify', flags: { region: 'us-east-1,eu-west-1', json: true } },
    ],
    [['--duration', '0900'], { kind: 'command', command: 'exec', flags: { duration: '0900' } }],
    [['--help'], { kind: 'help', words: ['--help'] }],
    [['-h'], { kind: 'help', words: ['--help'] }],
    [['print', '-h'], { kind: 'help', words: ['print', '--help'] }],
    [['--quiet', 'verify', '--help'], { kind: 'help', words: ['verify', '--help'] }],
    [['help'], { kind: 'help', words: ['--help'] }],
    [['help', 'doctor'], { kind: 'help', words: ['doctor', '--help'] }],
    [['doctor', '--version'], { kind: 'help', words: ['--version'] }],
  ])('%j', (argv, expected) => expect(parseArgv(argv)).toEqual(expected));

  it.each([
    [['--bogus'], '--bogus: not an option of withAssumedRole'],
    [['print', '--dry-run'], '--dry-run: not an option of withAssumedRole print'],
    [['deploy.sh'], 'deploy.sh: unexpected argument; the command to run goes after --'],
    [['policies', 'extra'], 'extra: unexpected argument; policies takes options only'],
    [['help', 'deploy'], 'help deploy: not a command; the commands are print, serve, verify, policies, doctor'],
  ])('%j is refused', (argv, message) => expect(() => parseArgv(argv)).toThrowError(message));

  it('splits at the first --, leaving later ones to the command', () => {
    expect(splitAtDoubleDash(['--quiet', '--', 'sh', '--', '-c'])).toEqual({ own: ['--quiet'], command: ['sh', '--', '-c'] });
  });
});
