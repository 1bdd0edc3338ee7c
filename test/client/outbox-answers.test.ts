/**
 * `markAnswered`: the cursors a push answered are noted on exactly the outbox ops they answer,
 * however many at once (a push answers 500; statements bind at most `MAX_PARAMETERS`), and
 * answers for seqs the outbox does not hold change nothing.
 */
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect } from 'vitest';
import {
  type OpenStore,
  openReplicaStore,
  sqliteFileStorage,
} from '../../src/client/store/replica-storage.ts';
import { anyOpArb } from '../domain/op-arbitraries.ts';

const opened: OpenStore[] = [];

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

const cursorOf = (seq: number): string => `cursor-${seq}`;

describe('markAnswered', () => {
  test.prop(
    [
      anyOpArb,
      fc.integer({ min: 1, max: 900 }),
      // Up to 1,000 answers: over the 333 a statement takes (`size: 'max'`, else arrays stay short).
      fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 1000, size: 'max' }),
    ],
    // Each run writes hundreds of rows: a failure is reported as found, not shrunk for minutes.
    { numRuns: 15, endOnFailure: true },
  )('notes each answered cursor on its op only', async (op, held, answered) => {
    const open = await openReplicaStore(sqliteFileStorage(':memory:'));
    opened.push(open);
    const { store } = open;
    for (let seq = 1; seq <= held; seq++) {
      await store.addToOutbox({ seq, op: { ...op, seq }, createdAt: seq, ackedCursor: null });
    }
    const seqs = answered;
    await store.markAnswered(seqs.map((seq) => ({ seq, cursor: cursorOf(seq) })));

    const expected = seqs.filter((seq) => seq <= held).sort((a, b) => a - b);
    expect([...(await store.answeredSeqs())].sort((a, b) => a - b)).toEqual(expected);
    const entries = await store.outboxFrom(1, held);
    expect(entries).toHaveLength(held);
    const answeredSet = new Set(expected);
    for (const entry of entries) {
      expect(entry.ackedCursor).toBe(answeredSet.has(entry.seq) ? cursorOf(entry.seq) : null);
    }
    const firstUnanswered = entries.find((entry) => !answeredSet.has(entry.seq))?.seq;
    expect(await store.firstUnanswered()).toBe(firstUnanswered);
  });
});
