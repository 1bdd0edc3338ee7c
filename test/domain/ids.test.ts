import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { describe, expect } from 'vitest';
import { rowId } from '../../src/domain/arbitraries.ts';
import {
  APPWRITE_DEVICE,
  compareDots,
  DeviceId,
  DocId,
  type Dot,
  dotKey,
  FacilityId,
  isReservedDevice,
  isRowId,
  RESOLUTIONS_DEVICE,
  SEED_DEVICE,
  UserId,
} from '../../src/domain/ids.ts';
import { rightOf } from './expect-either.ts';

const RUNS = { numRuns: 200 };

/** What the tests use of an id codec. */
interface IdCodec {
  decode(u: unknown): E.Either<t.Errors, string>;
  is(u: unknown): boolean;
}

const CODECS: ReadonlyArray<readonly [string, IdCodec]> = [
  ['DeviceId', DeviceId],
  ['DocId', DocId],
  ['UserId', UserId],
  ['FacilityId', FacilityId],
];

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnumArb = fc.constantFrom(...ALNUM.split(''));
const restArb = fc.constantFrom(...`${ALNUM}._-`.split(''));

/** Ids of the wrong length, first character or alphabet, built without the codec's pattern. */
const badIdArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(''),
  fc
    .array(restArb, { minLength: 36, maxLength: 60 })
    .chain((tail) => alnumArb.map((head) => head + tail.join(''))),
  fc
    .tuple(fc.constantFrom('.', '-', '_'), fc.array(restArb, { maxLength: 35 }))
    .map(([head, tail]) => head + tail.join('')),
  fc
    .tuple(
      fc.array(restArb, { maxLength: 10 }),
      fc.constantFrom(' ', '\t', '\n', 'é', 'ü', '日', '😀', '/', ':', '*', '@', '+'),
      fc.array(restArb, { maxLength: 10 }),
    )
    .map(([before, bad, after]) => `a${before.join('')}${bad}${after.join('')}`),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object()),
);

describe.each(CODECS)('the %s codec', (_name, codec) => {
  test.prop([rowId()], RUNS)('accepts every id that follows the row-id rules, unchanged', (id) => {
    expect(rightOf(codec.decode(id))).toBe(id);
    expect(codec.is(id)).toBe(true);
  });

  test.prop([badIdArb], RUNS)('refuses every id that breaks the row-id rules', (value) => {
    expect(E.isLeft(codec.decode(value))).toBe(true);
    expect(codec.is(value)).toBe(false);
  });

  test.each([
    ['the empty string', ''],
    ['37 characters', 'a'.repeat(37)],
    ['a leading dot', '.abc'],
    ['a leading dash', '-abc'],
    ['a leading underscore', '_abc'],
    ['a space', 'ab c'],
    ['a trailing newline', 'abc\n'],
    ['unicode', 'tablé'],
    ['a number', 12],
    ['null', null],
    ['an array', ['abc']],
  ])('refuses %s', (_what, value) => {
    expect(E.isLeft(codec.decode(value))).toBe(true);
  });

  test.each([
    ['one character', 'a'],
    ['36 characters', `a${'b'.repeat(35)}`],
    ['a UUIDv7', '0193a1b2-0c4d-7e8f-9a0b-1c2d3e4f5a6b'],
    ['a ULID', '01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['dots, dashes and underscores after the first character', 'tablet-07.ward_3'],
  ])('accepts %s', (_what, value) => {
    expect(rightOf(codec.decode(value))).toBe(value);
  });
});

describe('isRowId', () => {
  test.prop([rowId()], RUNS)('isRowId accepts every row id', (id) => {
    expect(isRowId(id)).toBe(true);
  });

  test.prop([badIdArb], RUNS)('isRowId refuses everything that is not a row id', (value) => {
    expect(isRowId(value)).toBe(false);
  });
});

describe('isReservedDevice', () => {
  test.each([RESOLUTIONS_DEVICE, APPWRITE_DEVICE, SEED_DEVICE, 'server.anything'])(
    'the server device %s is reserved',
    (deviceId) => {
      expect(isReservedDevice(deviceId)).toBe(true);
    },
  );

  test.each(['tablet-07', 'server', 'servers.x', 'Server.appwrite', 'my.server.x'])(
    'the device %s is not reserved',
    (deviceId) => {
      expect(isReservedDevice(deviceId)).toBe(false);
    },
  );

  test.prop([rowId()], RUNS)('a device is reserved exactly when it starts with "server."', (id) => {
    expect(isReservedDevice(id)).toBe(id.startsWith('server.'));
    expect(isReservedDevice(`server.${id}`.slice(0, 36))).toBe(true);
  });
});

describe('dots', () => {
  const dotArb: fc.Arbitrary<Dot> = fc.record({
    deviceId: fc.oneof(fc.constantFrom('a', 'b', 'tablet-07'), rowId()),
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  });
  const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

  test('dotKey is deviceId:seq', () => {
    expect(dotKey({ deviceId: 'tablet-07', seq: 12 })).toBe('tablet-07:12');
  });

  test.prop([dotArb, dotArb], RUNS)(
    'two dots have the same key exactly when they are equal',
    (a, b) => {
      expect(dotKey(a) === dotKey(b)).toBe(a.deviceId === b.deviceId && a.seq === b.seq);
    },
  );

  test('compareDots orders by device id, then by seq', () => {
    const dots: Dot[] = [
      { deviceId: 'b', seq: 1 },
      { deviceId: 'a', seq: 10 },
      { deviceId: 'a', seq: 2 },
    ];
    expect([...dots].sort(compareDots)).toEqual([
      { deviceId: 'a', seq: 2 },
      { deviceId: 'a', seq: 10 },
      { deviceId: 'b', seq: 1 },
    ]);
  });

  test.prop([dotArb, dotArb], RUNS)(
    'compareDots is antisymmetric and 0 only for equal dots',
    (a, b) => {
      expect(sign(compareDots(a, b)) + sign(compareDots(b, a))).toBe(0);
      expect(compareDots(a, b) === 0).toBe(a.deviceId === b.deviceId && a.seq === b.seq);
    },
  );

  test.prop([fc.array(dotArb, { maxLength: 8 })], RUNS)(
    'sorting by compareDots gives one order whatever the input order',
    (dots) => {
      const once = [...dots].sort(compareDots).map(dotKey);
      const reversed = [...dots].reverse().sort(compareDots).map(dotKey);
      expect(reversed).toEqual(once);
    },
  );
});
