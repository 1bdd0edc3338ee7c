import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { compare, create, Hlc, receive, tick, zero } from '../../src/domain/hlc.ts';
import { leftOf, refusalOf, rightOf } from './expect-either.ts';

const RUNS = { numRuns: 200 };

/** Valid clocks, with small values often so that equal `ms` and `n` come up. */
const hlcArb: fc.Arbitrary<Hlc> = fc.record({
  ms: fc.oneof(
    fc.integer({ min: 0, max: 5 }),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  ),
  n: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1_000_000 })),
});

/** What a device's wall clock may say: sane, backwards, fractional, absurd or not a number. */
const wallArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 0, max: 5 }),
  fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
  fc.integer({ min: -1_000_000_000_000, max: Number.MAX_SAFE_INTEGER }),
  fc.double(),
);

/** Wall times near a clock's own `ms`, so that the wall clock is often behind it or equal. */
const nearWallArb = (clock: Hlc): fc.Arbitrary<number> =>
  fc.integer({ min: -1000, max: 1000 }).map((delta) => clock.ms + delta);

describe('tick', () => {
  test.prop([hlcArb, wallArb], RUNS)(
    'tick always returns a clock after the local one',
    (local, now) => {
      expect(compare(tick(local, now), local)).toBeGreaterThan(0);
    },
  );

  test.prop([hlcArb.chain((local) => fc.tuple(fc.constant(local), nearWallArb(local)))], RUNS)(
    'tick stays after the local clock when the wall clock is behind or equal to it',
    ([local, now]) => {
      expect(compare(tick(local, now), local)).toBeGreaterThan(0);
    },
  );

  test.prop([fc.array(wallArb, { minLength: 1, maxLength: 50 })], RUNS)(
    'tick never goes backwards when the wall clock does',
    (walls) => {
      let clock = zero;
      for (const now of walls) {
        const next = tick(clock, now);
        expect(compare(next, clock)).toBeGreaterThan(0);
        clock = next;
      }
    },
  );

  test.prop([fc.array(wallArb, { minLength: 1, maxLength: 50 })], RUNS)(
    'a device that ticks from any wall clock keeps a clock the Hlc codec accepts',
    (walls) => {
      let clock = zero;
      for (const now of walls) {
        clock = tick(clock, now);
        expect(Hlc.is(clock)).toBe(true);
      }
    },
  );

  test.prop([hlcArb], RUNS)(
    'tick takes the wall clock when it is ahead, with a zero counter',
    (local) => {
      fc.pre(local.ms < Number.MAX_SAFE_INTEGER);
      expect(tick(local, local.ms + 1)).toEqual({ ms: local.ms + 1, n: 0 });
    },
  );

  test.prop([hlcArb], RUNS)(
    'tick counts up at the same ms when the wall clock is behind',
    (local) => {
      expect(tick(local, local.ms - 1)).toEqual({ ms: local.ms, n: local.n + 1 });
    },
  );
});

describe('receive', () => {
  test.prop([hlcArb, hlcArb, wallArb], RUNS)(
    'receive always returns a clock after both the local and the remote one',
    (local, remote, now) => {
      const next = receive(local, remote, now);
      expect(compare(next, local)).toBeGreaterThan(0);
      expect(compare(next, remote)).toBeGreaterThan(0);
    },
  );

  test.prop(
    [
      hlcArb.chain((local) =>
        fc.tuple(
          fc.constant(local),
          fc.record({ ms: fc.constant(local.ms), n: fc.integer({ min: 0, max: 10 }) }),
          nearWallArb(local),
        ),
      ),
    ],
    RUNS,
  )(
    'receive stays after both clocks when they share an ms and the wall clock lags',
    ([local, remote, now]) => {
      const next = receive(local, remote, now);
      expect(compare(next, local)).toBeGreaterThan(0);
      expect(compare(next, remote)).toBeGreaterThan(0);
    },
  );

  test.prop([hlcArb, hlcArb, wallArb], RUNS)(
    'receive from any wall clock gives a clock the Hlc codec accepts',
    (local, remote, now) => {
      expect(Hlc.is(receive(local, remote, now))).toBe(true);
    },
  );

  test.prop([hlcArb, hlcArb, wallArb], RUNS)(
    'receive is symmetric in the two clocks',
    (a, b, now) => {
      expect(receive(a, b, now)).toEqual(receive(b, a, now));
    },
  );
});

describe('a wall clock that is not a usable number', () => {
  const local: Hlc = { ms: 1_700_000_000_000, n: 4 };
  const remote: Hlc = { ms: 1_700_000_000_000, n: 9 };

  test.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e300, -1e300])(
    'a wall clock of %d neither stops tick and receive nor breaks the codec',
    (now) => {
      const ticked = tick(local, now);
      const received = receive(local, remote, now);
      expect(compare(ticked, local)).toBeGreaterThan(0);
      expect(compare(received, local)).toBeGreaterThan(0);
      expect(compare(received, remote)).toBeGreaterThan(0);
      expect(Hlc.is(ticked)).toBe(true);
      expect(Hlc.is(received)).toBe(true);
      expect(Hlc.is(create(now))).toBe(true);
    },
  );
});

describe('create', () => {
  test.prop([fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })], RUNS)(
    'create sets the clock to the wall clock with a zero counter',
    (now) => {
      expect(create(now)).toEqual({ ms: now, n: 0 });
    },
  );

  test.prop([wallArb], RUNS)(
    'create gives a clock the Hlc codec accepts from any wall clock',
    (now) => {
      expect(Hlc.is(create(now))).toBe(true);
    },
  );
});

describe('compare', () => {
  const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

  test.prop([hlcArb], RUNS)('compare is reflexive: a clock equals itself', (a) => {
    expect(compare(a, { ...a })).toBe(0);
  });

  test.prop([hlcArb, hlcArb], RUNS)('compare is antisymmetric', (a, b) => {
    expect(sign(compare(a, b)) + sign(compare(b, a))).toBe(0);
  });

  test.prop([hlcArb, hlcArb], RUNS)('compare gives 0 only for equal clocks', (a, b) => {
    expect(compare(a, b) === 0).toBe(a.ms === b.ms && a.n === b.n);
  });

  test.prop([hlcArb, hlcArb, hlcArb], RUNS)('compare is transitive', (a, b, c) => {
    const byMsThenN = (x: Hlc, y: Hlc): number =>
      x.ms < y.ms ? -1 : x.ms > y.ms ? 1 : x.n < y.n ? -1 : x.n > y.n ? 1 : 0;
    const [x, y, z] = [a, b, c].sort(byMsThenN);
    if (x === undefined || y === undefined || z === undefined) throw new Error('three clocks');
    expect(compare(x, y)).toBeLessThanOrEqual(0);
    expect(compare(y, z)).toBeLessThanOrEqual(0);
    expect(compare(x, z)).toBeLessThanOrEqual(0);
  });

  test.prop([hlcArb, hlcArb, hlcArb], RUNS)(
    'compare is transitive on strict order: a before b before c means a before c',
    (a, b, c) => {
      fc.pre(compare(a, b) < 0 && compare(b, c) < 0);
      expect(compare(a, c)).toBeLessThan(0);
    },
  );

  test.prop([hlcArb, hlcArb], RUNS)('compare orders by ms first, then by the counter', (a, b) => {
    const expected = a.ms !== b.ms ? sign(a.ms - b.ms) : sign(a.n - b.n);
    expect(sign(compare(a, b))).toBe(expected);
  });
});

describe('Hlc codec', () => {
  test.prop([hlcArb], RUNS)('the Hlc codec round-trips every valid clock', (clock) => {
    const decoded = rightOf(Hlc.decode(clock));
    expect(decoded).toEqual(clock);
    expect(rightOf(Hlc.decode(JSON.parse(JSON.stringify(Hlc.encode(decoded)))))).toEqual(clock);
  });

  test('the Hlc codec drops unknown keys', () => {
    expect(rightOf(Hlc.decode({ ms: 1, n: 2, extra: true }))).toEqual({ ms: 1, n: 2 });
  });

  test.each([
    [{ ms: -1, n: 0 }, 'ms'],
    [{ ms: 1.5, n: 0 }, 'ms'],
    [{ ms: '1', n: 0 }, 'ms'],
    [{ ms: null, n: 0 }, 'ms'],
    [{ n: 0 }, 'ms'],
    [{ ms: 2 ** 53, n: 0 }, 'ms'],
    [{ ms: 1, n: -1 }, 'n'],
    [{ ms: 1, n: 0.5 }, 'n'],
    [{ ms: 1, n: '0' }, 'n'],
    [{ ms: 1, n: Number.NaN }, 'n'],
    [{ ms: 1 }, 'n'],
  ])('the Hlc codec refuses %j at %s', (value, path) => {
    expect(refusalOf(Hlc, value, 'hlc').path).toBe(`hlc.${path}`);
  });

  test.each([null, 'x', 5, [1, 2]])('the Hlc codec refuses the non-object %j', (value) => {
    expect(leftOf(Hlc.decode(value)).length).toBeGreaterThan(0);
  });
});
