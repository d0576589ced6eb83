import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/domain/errors.ts';
import { createReporter, formatError } from '../../../src/output/reporter.ts';

describe('reporter', () => {
  it('shows info unless quiet, verbose only when verbose', () => {
    const lines: string[] = [];
    for (const verbosity of ['quiet', 'normal', 'verbose'] as const) {
      const reporter = createReporter(verbosity, (text) => lines.push(`${verbosity}: ${text}`));
      reporter.info('info');
      reporter.verbose('detail');
    }
    expect(lines).toEqual(['normal: withAssumedRole: info\n', 'verbose: withAssumedRole: info\n', 'verbose: withAssumedRole: detail\n']);
  });

  it('formats a wrapper error as message, details, fix; a stack only when asked', () => {
    const error = new ConfigurationError('--env-file x: cannot be read (ENOENT)', {
      fix: 'check the path',
      details: ['one detail'],
      cause: new Error('inner'),
    });
    expect(formatError(error, false)).toBe('withAssumedRole: --env-file x: cannot be read (ENOENT)\n  one detail\n  fix: check the path\n');
    const verbose = formatError(error, true);
    expect(verbose).toContain('ConfigurationError: --env-file x');
    expect(verbose).toContain('Error: inner');
  });

  it('calls anything else an internal error, in one line and a fix', () => {
    expect(formatError(new TypeError('x is undefined\nmore'), false)).toBe(
      'withAssumedRole: internal error: x is undefined\n  fix: run again with --verbose and report the output\n',
    );
  });
});
