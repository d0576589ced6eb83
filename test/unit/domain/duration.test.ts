import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSeconds } from '../../../src/domain/duration.ts';

describe('durations', () => {
  it.each([
    ['3600', 3600],
    ['900', 900],
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['12h', 43200],
    ['43200', 43200],
    [' 2h ', 7200],
    ['1000s', 1000],
  ])('parseDuration(%j) = %d', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each([
    ['899', 'outside what STS allows, 900-43200'],
    ['12h1s', 'outside what STS allows'],
    ['14m', 'outside'],
    ['2d', 'not a duration'],
    ['', 'not a duration'],
    ['1.5h', 'not a duration'],
    ['-3600', 'not a duration'],
  ])('parseDuration(%j) is a usage error: %s', (text, message) => {
    expect(() => parseDuration(text)).toThrowError(expect.objectContaining({ exitCode: 64, message: expect.stringContaining(message) }));
  });

  it.each([
    [3600, '1h'],
    [5400, '1h30m'],
    [950, '15m50s'],
    [43200, '12h'],
  ])('formatDuration(%d) = %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it('parseSeconds takes positive numbers and units', () => {
    expect(parseSeconds('2.5', '--kill-grace')).toBe(2.5);
    expect(parseSeconds('1m', '--assume-timeout')).toBe(60);
    expect(() => parseSeconds('0', '--kill-grace')).toThrowError('--kill-grace "0": not a positive number of seconds');
  });
});
