import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import {
  addDays,
  CalendarDate,
  calendarDateOf,
  IsoTimestamp,
  intInRange,
  isCalendarDate,
  isStorableText,
  PositiveInt,
  text,
  WholeNumber,
} from '../../src/domain/scalars.ts';
import { refusalOf, rightOf } from './expect-either.ts';

const RUNS = { numRuns: 200 };

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Strings of the shape YYYY-MM-DD, with months and days often just out of range. */
const dateShapedArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
    )
    .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
  fc
    .tuple(
      fc.constantFrom(1900, 2000, 2023, 2024, 2100, 2400),
      fc.constant(2),
      fc.integer({ min: 27, max: 31 }),
    )
    .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
);

/**
 * The oracle: the date survives a round trip through JavaScript's own calendar. Year 0000 is left
 * out on purpose: it is a valid ISO 8601 year (1 BC) that the domain refuses.
 */
const isRealDate = (s: string): boolean => {
  if (s.startsWith('0000')) return false;
  const date = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === s;
};

describe('CalendarDate', () => {
  test.each(['2024-02-29', '2000-02-29', '2023-12-31', '2024-01-01', '1900-02-28', '0001-01-01'])(
    'CalendarDate accepts the real date %s',
    (date) => {
      expect(rightOf(CalendarDate.decode(date))).toBe(date);
    },
  );

  test.each([
    '2024-02-30',
    '2023-02-29',
    '1900-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-01-00',
    '2024-1-01',
    '2024-01-1',
    '24-01-01',
    '2024/01/01',
    '2024-01-01T00:00:00Z',
    ' 2024-01-01',
    '2024-01-01\n',
    '0000-01-01',
    '',
  ])('CalendarDate refuses %j', (date) => {
    expect(refusalOf(CalendarDate, date, 'data.dateOfBirth')).toEqual({
      code: 'invalid',
      message: 'expected a real calendar date as YYYY-MM-DD at data.dateOfBirth',
      path: 'data.dateOfBirth',
    });
  });

  test.each([20240101, null, undefined, true, { date: '2024-01-01' }, new Date(0)])(
    'CalendarDate refuses the non-string %j',
    (value) => {
      expect(E.isLeft(CalendarDate.decode(value))).toBe(true);
      expect(CalendarDate.is(value)).toBe(false);
    },
  );

  test.prop([dateShapedArb], RUNS)(
    'isCalendarDate agrees with a round trip through Date over strings shaped like dates',
    (s) => {
      expect(isCalendarDate(s)).toBe(isRealDate(s));
    },
  );

  test.prop([fc.string({ maxLength: 12 })], RUNS)(
    'isCalendarDate refuses what is not YYYY-MM-DD',
    (s) => {
      fc.pre(!/^\d{4}-\d{2}-\d{2}$/.test(s));
      expect(isCalendarDate(s)).toBe(false);
    },
  );

  test.prop([fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 })], RUNS)(
    'calendarDateOf gives a real calendar date for every instant of years 1 to 9999',
    (ms) => {
      expect(isCalendarDate(calendarDateOf(ms))).toBe(true);
    },
  );

  test('addDays crosses months, leap days and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  test.prop([dateShapedArb.filter(isCalendarDate), fc.integer({ min: -1000, max: 1000 })], RUNS)(
    'adding days and taking them away again gives the same date',
    (date, days) => {
      fc.pre(date >= '0004-01-01' && date < '9996-01-01');
      expect(addDays(addDays(date, days), -days)).toBe(date);
    },
  );
});

describe('text', () => {
  const Name = text(10);

  test.each(['a', ' a ', 'Amina', 'Nǎ Zhā', '日本語', 'a\u{1F600}b', 'x'.repeat(10)])(
    'text accepts %j',
    (value) => {
      expect(rightOf(Name.decode(value))).toBe(value);
    },
  );

  test.each([
    ['the empty string', ''],
    ['only spaces', '   '],
    ['only tabs and newlines', '\t\n\r'],
    ['only non-breaking spaces', '\u00a0\u2003'],
    ['11 characters', 'x'.repeat(11)],
    ['a NUL', 'ab\u0000c'],
    ['a lone high surrogate', 'ab\uD83D'],
    ['a lone low surrogate', '\uDE00ab'],
    ['reversed surrogates', 'a\uDE00\uD83D'],
    ['a number', 5],
    ['null', null],
  ])('text refuses %s', (_what, value) => {
    expect(refusalOf(Name, value, 'data.message')).toMatchObject({
      code: 'invalid',
      path: 'data.message',
    });
  });

  test.prop([fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 })], RUNS)(
    'text accepts a string exactly when it is non-blank, short enough and storable',
    (value) => {
      const expected = value.trim().length > 0 && value.length <= 10 && isStorableText(value);
      expect(E.isRight(Name.decode(value))).toBe(expected);
    },
  );

  test.prop([fc.string({ unit: 'binary', maxLength: 20 })], RUNS)(
    'isStorableText refuses exactly the strings with a NUL or an unpaired surrogate',
    (value) => {
      const utf8RoundTrip = new TextDecoder().decode(new TextEncoder().encode(value)) === value;
      expect(isStorableText(value)).toBe(!value.includes('\u0000') && utf8RoundTrip);
    },
  );
});

describe('whole numbers', () => {
  const Dose = intInRange(1, 10, 'Dose');

  test.prop([fc.integer({ min: 1, max: 10 })], RUNS)(
    'intInRange accepts its bounds and all between',
    (n) => {
      expect(rightOf(Dose.decode(n))).toBe(n);
    },
  );

  test.each([0, 11, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null])(
    'intInRange(1, 10) refuses %j',
    (value) => {
      expect(refusalOf(Dose, value, 'data.doses')).toEqual({
        code: 'invalid',
        message: 'expected a whole number from 1 to 10 at data.doses',
        path: 'data.doses',
      });
    },
  );

  test.prop([fc.double()], RUNS)(
    'intInRange accepts a number exactly when it is a whole number in range',
    (n) => {
      expect(Dose.is(n)).toBe(Number.isInteger(n) && n >= 1 && n <= 10);
    },
  );

  test('WholeNumber spans 0 to 2^53 - 1 and PositiveInt 1 to 2^53 - 1', () => {
    expect(WholeNumber.is(0)).toBe(true);
    expect(WholeNumber.is(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(WholeNumber.is(2 ** 53)).toBe(false);
    expect(WholeNumber.is(-1)).toBe(false);
    expect(PositiveInt.is(0)).toBe(false);
    expect(PositiveInt.is(1)).toBe(true);
    expect(PositiveInt.is(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(PositiveInt.is(2 ** 53)).toBe(false);
  });
});

describe('IsoTimestamp', () => {
  const instantArb = fc.integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 });

  test.prop([instantArb], RUNS)(
    'IsoTimestamp round-trips every instant through its ISO text',
    (ms) => {
      const wire = IsoTimestamp.encode(ms);
      expect(wire).toBe(new Date(ms).toISOString());
      expect(rightOf(IsoTimestamp.decode(wire))).toBe(ms);
    },
  );

  test('IsoTimestamp decodes an ISO 8601 string to epoch ms', () => {
    expect(rightOf(IsoTimestamp.decode('2025-11-24T16:00:00.000Z'))).toBe(1_764_000_000_000);
    expect(rightOf(IsoTimestamp.decode('2025-11-24T18:00:00+02:00'))).toBe(1_764_000_000_000);
  });

  test.each(['yesterday', '', '2025-13-01T00:00:00Z', 1_764_000_000_000, null])(
    'IsoTimestamp refuses %j',
    (value) => {
      expect(refusalOf(IsoTimestamp, value, 'receivedAt')).toEqual({
        code: 'invalid',
        message: 'expected an ISO 8601 timestamp at receivedAt',
        path: 'receivedAt',
      });
    },
  );
});
