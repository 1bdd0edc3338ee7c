/**
 * What a flush writes of a document's conflict records: the records that are new or changed
 * since the store last held the document, and the ids of those that left its set (the SQL log's
 * `pending-writes.ts` and the TablesDB log's `chunk-writes.ts` both write this diff).
 *
 * Invariants:
 * 1. A record is written when the store holds no record of its id or holds one with another
 *    canonical text; records are immutable values, so a record that is the very object the store
 *    was read or written with is unchanged without comparing them, and others are compared by
 *    `sameJson`, without writing their texts. (A document edited many times concurrently keeps
 *    hundreds of closed records, carried from state to state as the same objects: comparing
 *    their texts twice per flush was a third of a flush; after a re-fold, which makes every
 *    record anew, writing the texts of a 1,000-op document's 416 records took 5.5 ms.)
 * 2. A stored record whose id is not among the current ones is retired (marked not live, never
 *    deleted: `pending-writes.ts`, invariant 2).
 */
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { sameJson } from './canonical-json.ts';

/** The records to write and the ids to retire (see the module). */
export interface ConflictChanges {
  readonly written: readonly ConflictRecord[];
  readonly retired: readonly string[];
}

/** The changes from the `stored` records of a document to its `current` ones. */
export const conflictChanges = (
  stored: readonly ConflictRecord[],
  current: readonly ConflictRecord[],
): ConflictChanges => {
  const before = new Map(stored.map((r) => [r.id, r]));
  const written: ConflictRecord[] = [];
  for (const record of current) {
    const held = before.get(record.id);
    if (held === record) continue;
    if (held === undefined || !sameJson(held, record)) written.push(record);
  }
  const kept = new Set(current.map((r) => r.id));
  const retired = [...before.keys()].filter((id) => !kept.has(id));
  return { written, retired };
};
