/**
 * Scalar codecs shared by the envelope and the collections: whole numbers in a range, non-empty
 * text, real calendar dates and ISO timestamps. Each refuses with a message that says what was
 * expected; the reporter in `errors.ts` adds the path.
 */
import * as t from 'io-ts';

/** A whole number in `[min, max]` (both safe integers). */
export const intInRange = (
  min: number,
  max: number,
  name: string,
): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max,
    (u, c) =>
      typeof u === 'number' && Number.isSafeInteger(u) && u >= min && u <= max
        ? t.success(u)
        : t.failure(u, c, `expected a whole number from ${min} to ${max}`),
    t.identity,
  );

/** 0 to 2^53 - 1. */
export const WholeNumber = intInRange(0, Number.MAX_SAFE_INTEGER, 'WholeNumber');

/** 1 to 2^53 - 1: a device's seq. */
export const PositiveInt = intInRange(1, Number.MAX_SAFE_INTEGER, 'PositiveInt');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True for text every store keeps as it is: no NUL (Postgres text refuses it) and no lone
 * surrogate (not valid UTF-8).
 */
export const isStorableText = (s: string): boolean =>
  !s.includes('\u0000') && !LONE_SURROGATE.test(s);

const isText = (u: unknown, max: number): u is string =>
  typeof u === 'string' && u.trim().length > 0 && u.length <= max && isStorableText(u);

/** Text of 1 to `max` characters, not only white space, without NUL or lone surrogates. */
export const text = (max: number, name = `Text(${max})`): t.Type<string, string, unknown> =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => isText(u, max),
    (u, c) =>
      isText(u, max)
        ? t.success(u)
        : t.failure(u, c, `expected text of 1 to ${max} characters (no NUL, valid Unicode)`),
    t.identity,
  );

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `s` is `YYYY-MM-DD` naming a day that exists (`2024-02-29` yes, `2023-02-29` no). */
export const isCalendarDate = (s: string): boolean => {
  const m = DATE_PATTERN.exec(s);
  if (m === null) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
};

/** A real calendar date as `YYYY-MM-DD`; kept as text, which sorts in date order. */
export const CalendarDate = new t.Type<string, string, unknown>(
  'CalendarDate',
  (u): u is string => typeof u === 'string' && isCalendarDate(u),
  (u, c) =>
    typeof u === 'string' && isCalendarDate(u)
      ? t.success(u)
      : t.failure(u, c, 'expected a real calendar date as YYYY-MM-DD'),
  t.identity,
);

/** The calendar date (UTC) of an instant in ms, as `YYYY-MM-DD`. */
export const calendarDateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Adds whole days to a calendar date. */
export const addDays = (date: string, days: number): string =>
  calendarDateOf(Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000);

const ISO_TIMESTAMP_PATTERN =
  /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An instant as an ISO 8601 string on the wire (with a zone), as epoch ms in memory. */
export const IsoTimestamp = new t.Type<number, string, unknown>(
  'IsoTimestamp',
  (u): u is number => typeof u === 'number' && Number.isFinite(u),
  (u, c) => {
    if (typeof u !== 'string' || !ISO_TIMESTAMP_PATTERN.test(u)) {
      return t.failure(u, c, 'expected an ISO 8601 timestamp');
    }
    const ms = Date.parse(u);
    return Number.isFinite(ms) ? t.success(ms) : t.failure(u, c, 'expected an ISO 8601 timestamp');
  },
  (ms) => new Date(ms).toISOString(),
);
