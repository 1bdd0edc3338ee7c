import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  calendarDate,
  deviceIdArb,
  docIdArb,
  facilityIdArb,
  partialOf,
  rowId,
  textOf,
  userIdArb,
} from '../../src/domain/arbitraries.ts';
import {
  DeviceId,
  DocId,
  FacilityId,
  isReservedDevice,
  isRowId,
  UserId,
} from '../../src/domain/ids.ts';
import { CalendarDate, text } from '../../src/domain/scalars.ts';

const RUNS = { numRuns: 200 };

describe('id arbitraries', () => {
  test.prop([rowId()], RUNS)('rowId generates only row ids', (id) => {
    expect(isRowId(id)).toBe(true);
  });

  test.prop([deviceIdArb(), docIdArb(), userIdArb(), facilityIdArb()], RUNS)(
    'each id arbitrary generates only ids its codec accepts',
    (device, doc, user, facility) => {
      expect(DeviceId.is(device)).toBe(true);
      expect(DocId.is(doc)).toBe(true);
      expect(UserId.is(user)).toBe(true);
      expect(FacilityId.is(facility)).toBe(true);
    },
  );

  test.prop([deviceIdArb()], RUNS)('deviceIdArb never generates a reserved server device', (id) => {
    expect(isReservedDevice(id)).toBe(false);
  });
});

describe('textOf', () => {
  test.prop(
    [fc.integer({ min: 1, max: 300 }).chain((max) => fc.tuple(fc.constant(max), textOf(max)))],
    RUNS,
  )('textOf(max) generates only text that text(max) accepts', ([max, value]) => {
    expect(text(max).is(value)).toBe(true);
  });
});

describe('calendarDate', () => {
  test.prop([calendarDate('2000-01-01', '2024-12-31')], RUNS)(
    'calendarDate generates real dates within its bounds',
    (date) => {
      expect(CalendarDate.is(date)).toBe(true);
      expect(date >= '2000-01-01' && date <= '2024-12-31').toBe(true);
    },
  );

  test('calendarDate includes both bounds', () => {
    const dates = new Set(
      fc.sample(calendarDate('2024-02-28', '2024-03-01'), { numRuns: 200, seed: 1 }),
    );
    expect([...dates].sort()).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
  });

  test.prop([calendarDate()], RUNS)('calendarDate by default stays within 1900 to 2099', (date) => {
    expect(CalendarDate.is(date)).toBe(true);
    expect(date >= '1900-01-01' && date <= '2099-12-31').toBe(true);
  });
});

describe('partialOf', () => {
  const full = fc.record({ a: fc.nat(), b: fc.boolean(), c: fc.string() });

  test.prop([partialOf(full)], RUNS)(
    'partialOf generates a non-empty subset of the fields',
    (part) => {
      const keys = Object.keys(part);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(['a', 'b', 'c']).toContain(key);
    },
  );

  test.prop([full.chain((doc) => fc.tuple(fc.constant(doc), partialOf(fc.constant(doc))))], RUNS)(
    'partialOf keeps the values of the full document',
    ([doc, part]) => {
      expect(part).toEqual(Object.fromEntries(Object.entries(doc).filter(([key]) => key in part)));
    },
  );
});
