/** Which throws from below mean "retry later" (503) and which are bugs (500). */
import { describe, expect, it } from 'vitest';
import { isUnavailable, refusalOfThrow } from '../../src/functions/unavailability.ts';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('isUnavailable', () => {
  it.each([
    ['SQLITE_BUSY'],
    ['SQLITE_BUSY_SNAPSHOT'],
    ['SQLITE_LOCKED'],
    ['ECONNREFUSED'],
    ['ECONNRESET'],
    ['08006'],
    ['40001'],
    ['40P01'],
    ['53300'],
    ['57P01'],
    ['55P03'],
  ])('%s is a store that cannot serve now', (code) => {
    expect(isUnavailable(withCode(code))).toBe(true);
  });

  it.each([['23505'], ['42P01'], ['SQLITE_CONSTRAINT'], ['ERR_INVALID_ARG_TYPE']])(
    '%s is a bug',
    (code) => {
      expect(isUnavailable(withCode(code))).toBe(false);
    },
  );

  it("reads node-postgres's lost connections by message, and causes", () => {
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailable(new Error('wrapped', { cause: withCode('ECONNREFUSED') }))).toBe(true);
    expect(isUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isUnavailable('a string')).toBe(false);
  });
});

describe('refusalOfThrow', () => {
  it('answers unavailable or internal', () => {
    expect(refusalOfThrow(withCode('SQLITE_BUSY')).code).toBe('unavailable');
    expect(refusalOfThrow(new RangeError('bug')).code).toBe('internal');
  });
});
