import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { AuthoredOp } from '../../src/domain/operation.ts';
import { conflictsOf } from '../../src/projections/conflicts.ts';
import {
  applyOrFold,
  type DocumentState,
  emptyState,
  fold,
} from '../../src/projections/document-state.ts';
import { materialize } from '../../src/projections/materialize.ts';
import { decodeState, encodeState } from '../../src/projections/state-codec.ts';
import { type History, historyArb } from './histories.ts';

const RUNS = { numRuns: 200 };

const foldHistory = (h: History, ops: readonly AuthoredOp[] = h.ops): DocumentState =>
  fold(h.collection, h.docId, ops);

/** A permutation of the ops with some of them repeated. */
const shuffledWithDuplicates = (h: History): fc.Arbitrary<AuthoredOp[]> =>
  fc
    .tuple(
      fc.shuffledSubarray([...h.ops], { minLength: h.ops.length, maxLength: h.ops.length }),
      fc.array(fc.nat({ max: Math.max(0, h.ops.length - 1) }), { maxLength: 5 }),
    )
    .chain(([perm, dupIdx]) => {
      const withDups = [...perm, ...dupIdx.map((i) => h.ops[i]).filter((op) => op !== undefined)];
      return fc.shuffledSubarray(withDups, {
        minLength: withDups.length,
        maxLength: withDups.length,
      });
    });

const historyAndPermutation = historyArb().chain((h) =>
  fc.tuple(fc.constant(h), shuffledWithDuplicates(h)),
);

describe('convergence', () => {
  test.prop([historyAndPermutation], RUNS)(
    'every permutation of a history, with duplicates, folds to the same state, document and conflict records',
    ([h, permuted]) => {
      const reference = foldHistory(h);
      const other = foldHistory(h, permuted);
      expect(encodeState(other)).toBe(encodeState(reference));
      expect(materialize(other)).toEqual(materialize(reference));
      expect(conflictsOf(other)).toEqual(conflictsOf(reference));
    },
  );

  test.prop([historyAndPermutation], RUNS)(
    'applying ops one at a time, in any order, equals folding them all',
    ([h, permuted]) => {
      let state = emptyState(h.collection, h.docId);
      const seen: AuthoredOp[] = [];
      for (const op of permuted) {
        state = applyOrFold(state, op, () => seen);
        seen.push(op);
      }
      expect(encodeState(state)).toBe(encodeState(foldHistory(h)));
    },
  );

  test.prop(
    [historyArb().chain((h) => fc.tuple(fc.constant(h), fc.nat({ max: h.ops.length })))],
    RUNS,
  )(
    'replaying any split of the history (fold a prefix, then apply the rest) equals a full fold',
    ([h, split]) => {
      let state = foldHistory(h, h.ops.slice(0, split));
      const seen = [...h.ops.slice(0, split)];
      for (const op of h.ops.slice(split)) {
        state = applyOrFold(state, op, () => seen);
        seen.push(op);
      }
      expect(encodeState(state)).toBe(encodeState(foldHistory(h)));
    },
  );

  test.prop([historyArb()], RUNS)('a stored state decodes back to the same state', (h) => {
    const state = foldHistory(h);
    const decoded = decodeState(encodeState(state));
    expect(decoded._tag).toBe('Right');
    if (decoded._tag === 'Right') expect(encodeState(decoded.right)).toBe(encodeState(state));
  });

  test.prop([historyArb()], RUNS)('conflict record ids are unique within a document', (h) => {
    const ids = conflictsOf(foldHistory(h)).map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
