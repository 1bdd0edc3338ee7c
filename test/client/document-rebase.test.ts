import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type RebaseInput, rebaseDocument } from '../../src/client/document-rebase.ts';
import type { AuthoredOp, LoggedOp } from '../../src/domain/operation.ts';
import { covers, include, type VersionVector } from '../../src/domain/version-vector.ts';
import { type DocumentState, emptyState, fold } from '../../src/projections/document-state.ts';
import { encodeState } from '../../src/projections/state-codec.ts';
import { type History, historyArb } from '../projections/histories.ts';

const RUNS = { numRuns: 250 };

/** Ops of a history as the log serves them (pending ones get a receivedAt and a cursor). */
const logged = (op: AuthoredOp, i: number): LoggedOp => ({
  ...op,
  receivedAt: op.receivedAt ?? 1_700_000_000_000 + i,
  cursor: op.cursor ?? `c${i}`,
  scope: ['fac-north'],
});

interface Split {
  readonly history: History;
  readonly known: readonly LoggedOp[];
  readonly incoming: readonly LoggedOp[];
  readonly pending: readonly AuthoredOp[];
}

/** A history whose ops are split into known logged ops, newly pulled ones and pending ones. */
const splitArb: fc.Arbitrary<Split> = historyArb().chain((history) =>
  fc
    .array(fc.constantFrom(0, 1, 2), {
      minLength: history.ops.length,
      maxLength: history.ops.length,
    })
    .map((groups) => ({
      history,
      known: history.ops.flatMap((op, i) => (groups[i] === 0 ? [logged(op, i)] : [])),
      incoming: history.ops.flatMap((op, i) => (groups[i] === 1 ? [logged(op, i)] : [])),
      pending: history.ops.filter((_, i) => groups[i] === 2),
    })),
);

const vvOf = (ops: readonly AuthoredOp[]): VersionVector =>
  ops.reduce<VersionVector>((vv, op) => include(vv, op), {});

const inputOf = (split: Split, withLogged: boolean): RebaseInput => ({
  collection: split.history.collection,
  docId: split.history.docId,
  base:
    split.known.length === 0
      ? null
      : fold(split.history.collection, split.history.docId, split.known),
  logged: withLogged ? split.known : 'not_loaded',
  incoming: split.incoming,
  pending: split.pending,
});

const text = (state: DocumentState | null): string | null =>
  state === null ? null : encodeState(state);

describe('rebasing a document', () => {
  it('with nothing logged, the view is the fold of the pending ops alone', () => {
    const result = rebaseDocument({
      collection: 'patients',
      docId: 'p1',
      base: null,
      logged: [],
      incoming: [],
      pending: [],
    });
    expect(result).toEqual({ kind: 'settled', base: null, view: emptyState('patients', 'p1') });
  });

  test.prop([splitArb], RUNS)(
    'the base is the fold of the known and incoming ops, the view that of every op not yet returned',
    (split) => {
      const { collection, docId } = split.history;
      const result = rebaseDocument(inputOf(split, true));
      expect(result.kind).toBe('settled');
      if (result.kind !== 'settled') return;
      const loggedOps = [...split.known, ...split.incoming];
      expect(text(result.base)).toBe(
        loggedOps.length === 0 ? null : text(fold(collection, docId, loggedOps)),
      );
      const stillPending = split.pending.filter((op) => !covers(vvOf(loggedOps), op));
      expect(text(result.view)).toBe(
        text(fold(collection, docId, [...loggedOps, ...stillPending])),
      );
    },
  );

  test.prop([splitArb], RUNS)(
    'without the logged ops at hand it gives the same states or says what it needs, never a guess',
    (split) => {
      const full = rebaseDocument(inputOf(split, true));
      const partial = rebaseDocument(inputOf(split, false));
      switch (partial.kind) {
        case 'settled':
          expect(partial).toEqual(full);
          break;
        case 'view_needs_ops':
          expect(full.kind === 'settled' ? text(full.base) : 'no base').toBe(text(partial.base));
          break;
        case 'base_needs_ops':
          expect(full.kind).toBe('settled');
          break;
      }
    },
  );
});
