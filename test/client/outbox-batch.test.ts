import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { chooseBatch, MAX_PUSH_BATCH } from '../../src/client/outbox-batch.ts';
import type { Operation } from '../../src/domain/operation.ts';
import { anOp } from '../domain/fixtures.ts';

const RUNS = { numRuns: 300 };

const OPS = new Map<number, Operation>();
/** The op of one seq (built once: decoding 1500 fixtures per run would be the test's cost). */
const opOf = (seq: number): Operation => {
  const known = OPS.get(seq);
  if (known !== undefined) return known;
  const op = anOp({ seq, collection: 'patients', docId: `p-${seq}`, kind: 'delete' });
  OPS.set(seq, op);
  return op;
};

/** The ops a device still holds: seqs 1..last, without the missing ones. */
const held = (last: number, missing: readonly number[]): Map<number, Operation> =>
  new Map(
    Array.from({ length: last }, (_, i) => i + 1)
      .filter((seq) => !missing.includes(seq))
      .map((seq) => [seq, opOf(seq)]),
  );

const outboxArb = fc
  .integer({ min: 0, max: 1500 })
  .chain((last) =>
    fc.tuple(
      fc.constant(last),
      fc.array(fc.integer({ min: 1, max: Math.max(1, last) }), { maxLength: 5 }),
      fc.integer({ min: 1, max: Math.max(1, last + 2) }),
      fc.integer({ min: 1, max: 2000 }),
    ),
  );

describe('outbox batches', () => {
  it('takes 500 ops at most from a long outbox, starting where asked', () => {
    const choice = chooseBatch(held(1200, []), 101, 1200, 1000);
    expect(choice.kind).toBe('batch');
    if (choice.kind !== 'batch') return;
    expect(choice.ops.map((op) => op.seq)).toEqual(Array.from({ length: 500 }, (_, i) => 101 + i));
  });

  it('says which seq is missing rather than send a batch that starts after it', () => {
    expect(chooseBatch(held(10, [4]), 4, 10, 500)).toEqual({ kind: 'missing', seq: 4 });
  });

  it('stops before a missing seq so that the server never sees a gap the client made', () => {
    const choice = chooseBatch(held(10, [6]), 3, 10, 500);
    expect(choice.kind === 'batch' ? choice.ops.map((op) => op.seq) : []).toEqual([3, 4, 5]);
  });

  it('has nothing to send beyond the last seq', () => {
    expect(chooseBatch(held(3, []), 4, 3, 500)).toEqual({ kind: 'empty' });
  });

  test.prop([outboxArb], RUNS)(
    'a batch is contiguous from its start, within the limit and 500, and never past the last seq',
    ([last, missing, from, limit]) => {
      const choice = chooseBatch(held(last, missing), from, last, limit);
      if (choice.kind !== 'batch') return;
      const seqs = choice.ops.map((op) => op.seq);
      expect(seqs[0]).toBe(from);
      expect(seqs).toEqual(seqs.map((_, i) => from + i));
      expect(seqs.length).toBeLessThanOrEqual(Math.min(limit, MAX_PUSH_BATCH));
      expect(seqs.every((seq) => seq <= last && !missing.includes(seq))).toBe(true);
    },
  );

  test.prop([outboxArb], RUNS)(
    'a batch is as long as it may be: it ends at the limit, the last seq or a missing op',
    ([last, missing, from, limit]) => {
      const choice = chooseBatch(held(last, missing), from, last, limit);
      if (choice.kind === 'empty') {
        expect(from).toBeGreaterThan(last);
        return;
      }
      if (choice.kind === 'missing') {
        expect(missing).toContain(from);
        return;
      }
      const end = from + choice.ops.length;
      const full = choice.ops.length === Math.min(limit, MAX_PUSH_BATCH);
      expect(full || end > last || missing.includes(end)).toBe(true);
    },
  );
});
