import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/client/uuid-v7.ts';
import { DocId } from '../../src/domain/ids.ts';

const RUNS = { numRuns: 300 };
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUIDv7 document ids', () => {
  it('start with the creation time in ms', () => {
    const id = uuidV7(Date.parse('2025-06-15T12:00:00.000Z'), (bytes) => bytes.fill(0));
    expect(id).toBe('01977375-f600-7000-8000-000000000000');
  });

  test.prop([fc.nat({ max: 2 ** 48 - 1 }), fc.uint8Array({ minLength: 16, maxLength: 16 })], RUNS)(
    'are version-7 UUIDs that are valid document ids, whatever the random bytes',
    (ms, random) => {
      const id = uuidV7(ms, (bytes) => bytes.set(random));
      expect(id).toMatch(UUID_V7);
      expect(DocId.is(id)).toBe(true);
      expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
    },
  );

  test.prop([fc.nat({ max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 20 })], RUNS)(
    'sort by creation time',
    (earlier, later) => {
      expect(uuidV7(earlier) < uuidV7(earlier + later)).toBe(true);
    },
  );

  it('differ when made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidV7(1_700_000_000_000)));
    expect(ids.size).toBe(1000);
  });
});
