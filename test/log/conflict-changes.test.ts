/**
 * `conflictChanges` writes exactly the records whose canonical text the store does not hold,
 * and retires exactly the stored ids that left the set, whether the current records are the
 * stored objects themselves, copies of them, changed copies or new records.
 */
import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { canonicalJson } from '../../src/log/canonical-json.ts';
import { conflictChanges } from '../../src/log/conflict-changes.ts';
import type { ConflictRecord } from '../../src/projections/conflict-record.ts';
import { conflictsOf } from '../../src/projections/conflicts.ts';
import { fold } from '../../src/projections/document-state.ts';
import { historyArb } from '../projections/histories.ts';

/** The diff by text alone, as the flushes computed it before. */
const byText = (stored: readonly ConflictRecord[], current: readonly ConflictRecord[]) => {
  const before = new Map(stored.map((r) => [r.id, canonicalJson(r)]));
  const kept = new Set(current.map((r) => r.id));
  return {
    written: current.filter((r) => before.get(r.id) !== canonicalJson(r)),
    retired: [...before.keys()].filter((id) => !kept.has(id)),
  };
};

const recordsArb = historyArb().map((h) => conflictsOf(fold(h.collection, h.docId, h.ops)));

/** What became of each stored record: kept as the same object, copied, changed, or dropped. */
const fateArb = fc.constantFrom('same', 'copy', 'changed', 'dropped');

test.prop([recordsArb, fc.array(fateArb, { maxLength: 40 }), recordsArb], { numRuns: 300 })(
  'the same changes as comparing every text',
  (stored, fates, added) => {
    const current: ConflictRecord[] = [];
    for (const [i, record] of stored.entries()) {
      const fate = fates[i] ?? 'same';
      if (fate === 'same') current.push(record);
      if (fate === 'copy') current.push(structuredClone(record));
      if (fate === 'changed') current.push({ ...record, current: !record.current });
    }
    const ids = new Set(current.map((r) => r.id));
    current.push(...added.filter((r) => !ids.has(r.id)));
    const changes = conflictChanges(stored, current);
    expect(changes).toEqual(byText(stored, current));
  },
);

it('writes a changed copy and a new record, skips the same object and an equal copy', () => {
  const record: ConflictRecord = {
    id: 'c-1',
    collection: 'patients',
    docId: 'pat-1',
    kind: 'field',
    fields: ['fullName'],
    candidates: [],
    winner: { deviceId: 'hw-tablet-1', seq: 1 },
    rule: 'lww',
    status: 'auto',
    resolvedBy: null,
    current: true,
  };
  const other = { ...record, id: 'c-2' };
  const gone = { ...record, id: 'c-3' };
  const changed = { ...other, status: 'resolved' as const };
  const fresh = { ...record, id: 'c-4' };
  expect(conflictChanges([record, other, gone], [record, changed, fresh])).toEqual({
    written: [changed, fresh],
    retired: ['c-3'],
  });
  expect(conflictChanges([record], [structuredClone(record)])).toEqual({
    written: [],
    retired: [],
  });
});
