/**
 * fast-check arbitraries for the scalar codecs, written beside them so that every collection's
 * arbitrary is built from the same pieces. Each one generates only values its codec accepts.
 */
import * as fc from 'fast-check';
import { DeviceId, DocId, FacilityId, ROW_ID_PATTERN, UserId } from './ids.ts';
import { calendarDateOf, isStorableText } from './scalars.ts';

/** Ids that follow Appwrite's row-id rules. */
export const rowId = (): fc.Arbitrary<string> => fc.stringMatching(ROW_ID_PATTERN);

export const deviceIdArb = (): fc.Arbitrary<DeviceId> =>
  rowId().filter((s): s is DeviceId => DeviceId.is(s) && !s.startsWith('server.'));
export const docIdArb = (): fc.Arbitrary<DocId> => rowId().filter(DocId.is);
export const userIdArb = (): fc.Arbitrary<UserId> => rowId().filter(UserId.is);
export const facilityIdArb = (): fc.Arbitrary<FacilityId> => rowId().filter(FacilityId.is);

/** Text of 1 to `max` characters, with unicode beyond ASCII. */
export const textOf = (max: number): fc.Arbitrary<string> =>
  fc
    .string({ minLength: 1, maxLength: Math.min(max, 60), unit: 'grapheme' })
    .filter((s) => s.trim().length > 0 && s.length <= max && isStorableText(s));

const DAY = 86_400_000;

/** Calendar dates between two `YYYY-MM-DD` days, both included. */
export const calendarDate = (from = '1900-01-01', to = '2099-12-31'): fc.Arbitrary<string> =>
  fc
    .integer({
      min: Date.parse(`${from}T00:00:00Z`) / DAY,
      max: Date.parse(`${to}T00:00:00Z`) / DAY,
    })
    .map((day) => calendarDateOf(day * DAY));

/** An arbitrary of a partial update: a non-empty subset of the fields of a full document. */
export const partialOf = <A extends object>(full: fc.Arbitrary<A>): fc.Arbitrary<Partial<A>> =>
  full.chain((doc) => {
    const keys = Object.keys(doc);
    return fc.subarray(keys, { minLength: 1 }).map((chosen) => {
      const out: Partial<A> = {};
      const src: Partial<A> = doc;
      for (const key of chosen) Object.assign(out, { [key]: Reflect.get(src, key) });
      return out;
    });
  });
