import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { deviceIdArb } from '../../src/domain/arbitraries.ts';
import {
  type CausalOp,
  concurrent,
  covers,
  dominates,
  empty,
  equals,
  get,
  hasSeen,
  include,
  merge,
  normalize,
  VersionVector,
} from '../../src/domain/version-vector.ts';
import { leftOf, refusalOf, rightOf } from './expect-either.ts';

const RUNS = { numRuns: 200 };

/** A few devices shared by many vectors, so that entries overlap; and any other device. */
const POOL = ['a', 'b', 'c', 'tablet-07', 'web-supervisor-2'];
const deviceArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...POOL) },
  { weight: 1, arbitrary: deviceIdArb() },
);
const vvArb: fc.Arbitrary<VersionVector> = fc.dictionary(
  deviceArb,
  fc.integer({ min: 0, max: 8 }),
  {
    maxKeys: 6,
  },
);

/** An op on one document: a device of the pool, a seq, and a context that is below its own seq. */
const causalOpArb: fc.Arbitrary<CausalOp> = fc
  .record({
    deviceId: fc.constantFrom(...POOL),
    seq: fc.integer({ min: 1, max: 6 }),
    ctx: fc.dictionary(fc.constantFrom(...POOL), fc.integer({ min: 0, max: 6 }), { maxKeys: 5 }),
  })
  .map(({ deviceId, seq, ctx }) => ({
    deviceId,
    seq,
    ctx: { ...ctx, [deviceId]: Math.min(get(ctx, deviceId), seq - 1) },
  }));

describe('merge', () => {
  test.prop([vvArb, vvArb], RUNS)('merge is commutative', (a, b) => {
    expect(normalize(merge(a, b))).toEqual(normalize(merge(b, a)));
  });

  test.prop([vvArb, vvArb, vvArb], RUNS)('merge is associative', (a, b, c) => {
    expect(normalize(merge(merge(a, b), c))).toEqual(normalize(merge(a, merge(b, c))));
  });

  test.prop([vvArb], RUNS)('merge is idempotent', (a) => {
    expect(merge(a, a)).toEqual({ ...a });
  });

  test.prop([vvArb], RUNS)('empty is a unit of merge on either side', (a) => {
    expect(merge(a, empty)).toEqual({ ...a });
    expect(normalize(merge(empty, a))).toEqual(normalize(a));
  });

  test.prop([vvArb, vvArb], RUNS)('a merge dominates both of its inputs', (a, b) => {
    expect(dominates(merge(a, b), a)).toBe(true);
    expect(dominates(merge(a, b), b)).toBe(true);
  });

  test.prop([vvArb, vvArb, deviceArb], RUNS)(
    'merge takes the higher seq of each device',
    (a, b, d) => {
      expect(get(merge(a, b), d)).toBe(Math.max(get(a, d), get(b, d)));
    },
  );

  test.prop([vvArb, vvArb, vvArb], RUNS)(
    'merge is the least vector that dominates both inputs',
    (a, b, c) => {
      const upper = merge(c, merge(a, b));
      expect(dominates(upper, merge(a, b))).toBe(true);
      if (dominates(c, a) && dominates(c, b)) expect(dominates(c, merge(a, b))).toBe(true);
    },
  );

  test.prop([vvArb, vvArb], RUNS)('merge leaves its inputs as they were', (a, b) => {
    const before = JSON.stringify([a, b]);
    merge(a, b);
    expect(JSON.stringify([a, b])).toBe(before);
  });
});

describe('device ids that name members of Object.prototype', () => {
  const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];

  test.each(names)('a vector without %s does not see it as an entry', (name) => {
    expect(get(empty, name)).toBe(0);
    expect(covers(empty, { deviceId: name, seq: 1 })).toBe(false);
  });

  test.each(names)('merge keeps an entry of the device %s', (name) => {
    expect(merge({}, { [name]: 3 })).toEqual({ [name]: 3 });
    expect(merge({ a: 1 }, { [name]: 3 })).toEqual({ a: 1, [name]: 3 });
    expect(dominates(merge({}, { [name]: 3 }), { [name]: 3 })).toBe(true);
  });

  test.each(names)('an op of the device %s is seen only through its seq', (name) => {
    const op: CausalOp = { deviceId: 'a', seq: 1, ctx: {} };
    expect(hasSeen(op, { deviceId: name, seq: 1 })).toBe(false);
    expect(hasSeen({ deviceId: 'a', seq: 1, ctx: { [name]: 2 } }, { deviceId: name, seq: 2 })).toBe(
      true,
    );
  });
});

describe('include, covers, dominates and equals', () => {
  test.prop([vvArb, deviceArb, fc.integer({ min: 1, max: 10 })], RUNS)(
    'include makes a vector cover the dot and lowers nothing',
    (vv, deviceId, seq) => {
      const out = include(vv, { deviceId, seq });
      expect(covers(out, { deviceId, seq })).toBe(true);
      expect(dominates(out, vv)).toBe(true);
      expect(get(out, deviceId)).toBe(Math.max(get(vv, deviceId), seq));
    },
  );

  test.prop([vvArb, deviceArb, fc.integer({ min: 1, max: 10 })], RUNS)(
    'a vector covers a dot exactly when its entry for the device is at least the seq',
    (vv, deviceId, seq) => {
      expect(covers(vv, { deviceId, seq })).toBe((vv[deviceId] ?? 0) >= seq);
    },
  );

  test.prop([vvArb], RUNS)('every vector dominates empty and itself', (vv) => {
    expect(dominates(vv, empty)).toBe(true);
    expect(dominates(vv, vv)).toBe(true);
  });

  test.prop([vvArb, vvArb], RUNS)(
    'two vectors are equal exactly when each dominates the other',
    (a, b) => {
      expect(equals(a, b)).toBe(dominates(a, b) && dominates(b, a));
      expect(equals(a, b)).toBe(JSON.stringify(normalize(a)) === JSON.stringify(normalize(b)));
    },
  );

  test('zero entries do not change what a vector covers', () => {
    expect(equals({ a: 0, b: 2 }, { b: 2 })).toBe(true);
    expect(equals({ a: 1, b: 2 }, { b: 2 })).toBe(false);
  });
});

describe('normalize', () => {
  /** Keys that JavaScript objects always list first, in numeric order, whatever the insertion. */
  const isArrayIndex = (key: string): boolean =>
    /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < 2 ** 32 - 1;

  test.prop([vvArb], RUNS)('normalize drops zero entries and sorts the keys', (vv) => {
    const out = normalize(vv);
    const named = Object.keys(out).filter((key) => !isArrayIndex(key));
    expect(named).toEqual([...named].sort());
    expect(Object.values(out).every((s) => s > 0)).toBe(true);
    expect(equals(out, vv)).toBe(true);
  });

  test.prop([vvArb], RUNS)('normalize gives one text whatever order the entries came in', (vv) => {
    const reversed = Object.fromEntries(Object.entries(vv).reverse());
    expect(JSON.stringify(normalize(reversed))).toBe(JSON.stringify(normalize(vv)));
  });

  test.prop([vvArb], RUNS)('normalize is idempotent', (vv) => {
    expect(normalize(normalize(vv))).toEqual(normalize(vv));
  });

  test('normalize gives the same text for vectors that differ only by order and zeros', () => {
    expect(JSON.stringify(normalize({ z: 1, a: 0, m: 4 }))).toBe(
      JSON.stringify(normalize({ m: 4, z: 1 })),
    );
    expect(JSON.stringify(normalize({ z: 1, a: 0, m: 4 }))).toBe('{"m":4,"z":1}');
  });
});

describe('hasSeen and concurrent', () => {
  test.prop([causalOpArb, fc.integer({ min: 1, max: 6 })], RUNS)(
    'a later op of the same device has seen an earlier one, whatever its context',
    (op, k) => {
      const later: CausalOp = { deviceId: op.deviceId, seq: op.seq + k, ctx: {} };
      expect(hasSeen(later, op)).toBe(true);
      expect(concurrent(later, op)).toBe(false);
    },
  );

  test.prop([causalOpArb, causalOpArb], RUNS)(
    'an op of another device has been seen exactly when the context covers its dot',
    (a, b) => {
      fc.pre(a.deviceId !== b.deviceId);
      expect(hasSeen(a, b)).toBe(get(a.ctx, b.deviceId) >= b.seq);
    },
  );

  test.prop([causalOpArb], RUNS)('an op never has seen itself', (op) => {
    expect(hasSeen(op, op)).toBe(false);
    expect(concurrent(op, op)).toBe(false);
  });

  test.prop([causalOpArb, causalOpArb], RUNS)('concurrent is symmetric', (a, b) => {
    expect(concurrent(a, b)).toBe(concurrent(b, a));
  });

  test.prop([causalOpArb, causalOpArb], RUNS)(
    'two distinct ops are concurrent exactly when neither has seen the other',
    (a, b) => {
      const sameDot = a.deviceId === b.deviceId && a.seq === b.seq;
      expect(concurrent(a, b)).toBe(!sameDot && !hasSeen(a, b) && !hasSeen(b, a));
    },
  );

  test('two ops of different devices that saw nothing of each other are concurrent', () => {
    const a: CausalOp = { deviceId: 'tablet-07', seq: 3, ctx: { 'tablet-07': 2 } };
    const b: CausalOp = { deviceId: 'tablet-09', seq: 1, ctx: {} };
    expect(concurrent(a, b)).toBe(true);
    const c: CausalOp = { deviceId: 'tablet-09', seq: 2, ctx: { 'tablet-07': 3 } };
    expect(hasSeen(c, a)).toBe(true);
    expect(hasSeen(a, c)).toBe(false);
    expect(concurrent(a, c)).toBe(false);
  });

  test('a context entry below the seq does not see the op', () => {
    const a: CausalOp = { deviceId: 'x', seq: 1, ctx: { y: 2 } };
    expect(hasSeen(a, { deviceId: 'y', seq: 3 })).toBe(false);
    expect(hasSeen(a, { deviceId: 'y', seq: 2 })).toBe(true);
  });
});

describe('VersionVector codec', () => {
  test.prop(
    [fc.dictionary(deviceIdArb(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }))],
    RUNS,
  )('the VersionVector codec accepts every map of device ids to whole numbers', (vv) => {
    expect(rightOf(VersionVector.decode(vv))).toEqual(vv);
  });

  test.each([
    [{ 'a b': 1 }, 'ctx.a b'],
    [{ '': 1 }, 'ctx'],
    [{ '-x': 1 }, 'ctx.-x'],
    [{ é: 1 }, 'ctx.é'],
    [{ ['x'.repeat(37)]: 1 }, `ctx.${'x'.repeat(37)}`],
    [{ a: -1 }, 'ctx.a'],
    [{ a: 1.5 }, 'ctx.a'],
    [{ a: '3' }, 'ctx.a'],
    [{ a: null }, 'ctx.a'],
    [{ ok: 1, b: 2 ** 53 }, 'ctx.b'],
  ])('the VersionVector codec refuses %j at %s', (value, path) => {
    expect(refusalOf(VersionVector, value, 'ctx').path).toBe(path);
  });

  test('the VersionVector codec refuses a __proto__ key from JSON', () => {
    const value: unknown = JSON.parse('{"__proto__": 1}');
    expect(leftOf(VersionVector.decode(value)).length).toBeGreaterThan(0);
  });

  test.each([null, [], 'a', 3])(
    'the VersionVector codec refuses the non-object %j at ctx',
    (value) => {
      expect(refusalOf(VersionVector, value, 'ctx').path).toBe('ctx');
    },
  );
});
