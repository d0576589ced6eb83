import { expect, it } from 'vitest';
// The library as built (dist/lib): another copy of the classes than src's, as a bundle is.
import { UsageError as OtherCopy } from '../../../dist/lib/domain/errors.js';
import { ConfigurationError, exitCodeOf, isWithAssumedRoleError } from '../../../src/domain/errors.ts';

it('recognises its errors by their brand, across copies of the code, and nothing shaped like them', () => {
  expect(isWithAssumedRoleError(new ConfigurationError('x', { fix: 'y' }))).toBe(true);
  const fromAnotherCopy = new OtherCopy('x', { fix: 'y' });
  expect(fromAnotherCopy instanceof ConfigurationError).toBe(false);
  expect(isWithAssumedRoleError(fromAnotherCopy)).toBe(true);
  expect(exitCodeOf(fromAnotherCopy)).toBe(64);
  const lookalike = Object.assign(new Error('x'), { exitCode: 0, fix: 'run anything' });
  expect(isWithAssumedRoleError(lookalike)).toBe(false);
  expect(exitCodeOf(lookalike)).toBe(70);
});
