import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from '../../src/client/backoff.ts';

const RUNS = { numRuns: 500 };

const policyArb = fc
  .tuple(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 600_000 }))
  .map(([baseMs, extra]) => ({ baseMs, maxMs: baseMs + extra }));
const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('backoff', () => {
  it('doubles from half a second up to a minute by default', () => {
    const ceilings = Array.from({ length: 10 }, (_, k) => backoffCeiling(DEFAULT_BACKOFF, k));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  });

  it('spans the upper half of the ceiling from the lowest to the highest random draw', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0)).toBe(2000);
    expect(backoffDelay(DEFAULT_BACKOFF, 3, () => 0.999999)).toBe(4000);
  });

  test.prop([policyArb, fc.integer({ min: 0, max: 200 }), randomArb], RUNS)(
    'every delay lies between half its ceiling and its ceiling',
    (policy, attempt, r) => {
      const ceiling = backoffCeiling(policy, attempt);
      const delay = backoffDelay(policy, attempt, () => r);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
      expect(ceiling).toBeLessThanOrEqual(policy.maxMs);
    },
  );

  test.prop([policyArb, fc.integer({ min: 0, max: 60 })], RUNS)(
    'the ceiling doubles with each attempt until it reaches the cap, then stays there',
    (policy, attempt) => {
      const now = backoffCeiling(policy, attempt);
      const next = backoffCeiling(policy, attempt + 1);
      expect(next).toBe(Math.min(policy.maxMs, now * 2));
    },
  );

  test.prop([policyArb, fc.integer({ min: 0, max: 30 }), randomArb, randomArb], RUNS)(
    'the jitter spreads delays: different draws give delays in the same order',
    (policy, attempt, a, b) => {
      const da = backoffDelay(policy, attempt, () => a);
      const db = backoffDelay(policy, attempt, () => b);
      if (a < b) expect(da).toBeLessThanOrEqual(db);
      else expect(da).toBeGreaterThanOrEqual(db);
    },
  );
});
