import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { type AuthoringContext, authorOp, type Mutation } from '../../src/client/author-op.ts';
import { compare } from '../../src/domain/hlc.ts';
import { DeviceId } from '../../src/domain/ids.ts';

const RUNS = { numRuns: 300 };

const device = (() => {
  const decoded = DeviceId.decode('tablet-07');
  if (E.isLeft(decoded)) throw new Error('fixture device id');
  return decoded.right;
})();

const PATIENT = {
  fullName: 'Amina Okello',
  sex: 'F',
  dateOfBirth: '2024-01-02',
  facilityId: 'fac-north',
};

const context = (overrides: Partial<AuthoringContext> = {}): AuthoringContext => ({
  deviceId: device,
  nextSeq: 5,
  clock: { ms: 1_000, n: 0 },
  now: 2_000,
  current: { exists: false, vv: {} },
  ...overrides,
});

const create = (data: unknown = PATIENT): Mutation => ({
  kind: 'create',
  collection: 'patients',
  docId: 'pat-1',
  data,
});

describe('authoring an op', () => {
  it('a create takes the next seq, a clock after the replica’s and an empty context', () => {
    const result = authorOp(create(), context());
    expect(result).toEqual(
      E.right({
        op: {
          deviceId: 'tablet-07',
          seq: 5,
          hlc: { ms: 2_000, n: 0 },
          collection: 'patients',
          docId: 'pat-1',
          ctx: {},
          schema: 1,
          kind: 'create',
          data: PATIENT,
        },
        clock: { ms: 2_000, n: 0 },
      }),
    );
  });

  it('an update’s context is what the replica knows of the document, without zero entries', () => {
    const result = authorOp(
      { kind: 'update', collection: 'patients', docId: 'pat-1', data: { townVillage: 'Gulu' } },
      context({ current: { exists: true, vv: { 'tablet-07': 3, 'phone-2': 9, idle: 0 } } }),
    );
    expect(E.isRight(result) ? result.right.op.ctx : null).toEqual({
      'phone-2': 9,
      'tablet-07': 3,
    });
  });

  it('refuses a field the codec refuses, at its path', () => {
    const result = authorOp(create({ ...PATIENT, dateOfBirth: '2023-02-29' }), context());
    expect(E.isLeft(result) ? [result.left.code, result.left.path] : null).toEqual([
      'invalid',
      'data.dateOfBirth',
    ]);
  });

  it('refuses a field the collection does not have', () => {
    const result = authorOp(create({ ...PATIENT, nickname: 'Ami' }), context());
    expect(E.isLeft(result) ? result.left.path : null).toBe('data.nickname');
  });

  it('refuses an update that writes no field', () => {
    const result = authorOp(
      { kind: 'update', collection: 'patients', docId: 'pat-1', data: {} },
      context({ current: { exists: true, vv: {} } }),
    );
    expect(E.isLeft(result) ? result.left.code : null).toBe('invalid');
  });

  it('reads a field set to undefined as absent, as JSON will: an update of only such is refused', () => {
    const known = context({ current: { exists: true, vv: {} } });
    const empty = authorOp(
      { kind: 'update', collection: 'patients', docId: 'pat-1', data: { townVillage: undefined } },
      known,
    );
    expect(E.isLeft(empty) ? [empty.left.code, empty.left.path] : null).toEqual([
      'invalid',
      'data',
    ]);
    const mixed = authorOp(
      {
        kind: 'update',
        collection: 'patients',
        docId: 'pat-1',
        data: { townVillage: undefined, address: 'Plot 4' },
      },
      known,
    );
    expect(E.isRight(mixed) && mixed.right.op.kind === 'update' && mixed.right.op.data).toEqual({
      address: 'Plot 4',
    });
    const created = authorOp(create({ ...PATIENT, motherName: undefined }), context());
    expect(
      E.isRight(created) && created.right.op.kind === 'create' && created.right.op.data,
    ).toEqual(PATIENT);
  });

  it('refuses a second create of a document the replica holds', () => {
    const result = authorOp(create(), context({ current: { exists: true, vv: { x: 1 } } }));
    expect(E.isLeft(result) ? result.left.path : null).toBe('docId');
  });

  it.each(['update', 'delete', 'restore'] as const)(
    'refuses to %s a document the replica does not hold',
    (kind) => {
      const mutation: Mutation =
        kind === 'update'
          ? { kind, collection: 'patients', docId: 'pat-9', data: { townVillage: 'Gulu' } }
          : { kind, collection: 'patients', docId: 'pat-9' };
      const result = authorOp(mutation, context());
      expect(E.isLeft(result) ? result.left.path : null).toBe('docId');
    },
  );

  it('refuses a document id that is not a row id', () => {
    const result = authorOp({ ...create(), docId: '-bad id' }, context());
    expect(E.isLeft(result) ? result.left.path : null).toBe('docId');
  });

  test.prop(
    [
      fc.record({ ms: fc.nat({ max: 2 ** 45 }), n: fc.nat({ max: 1000 }) }),
      fc.oneof(fc.nat({ max: 2 ** 45 }), fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY)),
    ],
    RUNS,
  )('the op’s clock is after the replica’s whatever the wall clock says', (clock, now) => {
    const result = authorOp(
      { kind: 'delete', collection: 'patients', docId: 'pat-1' },
      context({ clock, now, current: { exists: true, vv: {} } }),
    );
    expect(E.isRight(result)).toBe(true);
    if (E.isLeft(result)) return;
    expect(compare(result.right.op.hlc, clock)).toBeGreaterThan(0);
    expect(result.right.clock).toEqual(result.right.op.hlc);
  });
});
