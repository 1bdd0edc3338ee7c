/**
 * `SeenIndex` answers exactly what `seen`, `concurrentWith` and `maximaOf` answer on the
 * candidates themselves, for any contexts: causal ones from simulated histories, and contexts
 * changed at random (entries for devices with no op, entries at or above an op's own seq, cycles),
 * which the reducers must treat the same way whatever produced them.
 */
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import type { AuthoredOp } from '../../src/domain/operation.ts';
import {
  type Candidate,
  candidateOf,
  concurrentWith,
  maximaOf,
  SeenIndex,
  seen,
} from '../../src/projections/candidate.ts';
import { historyArb } from './histories.ts';

const DEVICES = ['hw-tablet-1', 'hw-phone-2', 'sup-laptop', 'server.appwrite', 'not-in-the-set'];

/** A history's candidates, with some context entries set to arbitrary seqs. */
const candidatesArb = fc
  .tuple(
    historyArb(),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...DEVICES), fc.nat({ max: 8 })), {
      maxLength: 20,
    }),
  )
  .map(([h, edits]): Candidate[] => {
    const ops: AuthoredOp[] = h.ops.map((op) => ({ ...op, ctx: { ...op.ctx } }));
    for (const [i, device, seq] of edits) {
      const op = ops[i % Math.max(1, ops.length)];
      if (op !== undefined) ops[i % ops.length] = { ...op, ctx: { ...op.ctx, [device]: seq } };
    }
    return ops.map(candidateOf);
  });

const at = (cs: readonly Candidate[], i: number): Candidate => {
  const c = cs[i];
  if (c === undefined) throw new Error(`no candidate ${i}`);
  return c;
};

test.prop([candidatesArb], { numRuns: 500 })(
  'seen and concurrent of every pair are those of the candidates',
  (cs) => {
    const index = new SeenIndex(cs);
    for (const a of cs.keys()) {
      for (const b of cs.keys()) {
        expect(index.seen(a, b)).toBe(seen(at(cs, a), at(cs, b)));
        expect(index.concurrent(a, b)).toBe(concurrentWith(at(cs, a), at(cs, b)));
      }
    }
  },
);

test.prop([candidatesArb, fc.array(fc.nat(), { maxLength: 40 })], { numRuns: 500 })(
  'the maxima of any subset are maximaOf the subset, in its order',
  (cs, picks) => {
    const index = new SeenIndex(cs);
    const subset = [...new Set(picks.map((p) => p % Math.max(1, cs.length)))].filter(
      (i) => i < cs.length,
    );
    const expected = maximaOf(subset.map((i) => at(cs, i)));
    expect(index.maxima(subset).map((i) => at(cs, i))).toEqual(expected);
  },
);
