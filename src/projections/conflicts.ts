/**
 * The conflict records of a document: the current field records, derived from the fields'
 * concurrent maxima, and the stored ones (closed field records, defeats, deletes).
 *
 * Invariants:
 * 1. A function of the state, so of the set of ops: the same records on every replica.
 * 2. A current record is `open` only for a review field whose maxima disagree and do not mix
 *    authority classes (where classes mix, the policy decides: DESIGN.md section 3).
 */
import type { DocumentPolicy } from '../domain/collection.ts';
import { isReviewField } from '../domain/collection.ts';
import { COLLECTIONS } from '../domain/collections.ts';
import { classRank } from './candidate.ts';
import { conflictId } from './conflict-id.ts';
import type { ConflictRecord, ConflictRule } from './conflict-record.ts';
import type { DocumentState, FieldMaximum } from './document-state.ts';

const byDot = (a: FieldMaximum, b: FieldMaximum): number =>
  a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq;

const classOf = (m: FieldMaximum): 'server' | 'client' => (m.resolution ? 'server' : m.authority);

/** True when the field's maxima would be an open review conflict. */
export const isDisputed = (state: DocumentState, field: string): boolean => {
  const maxima = state.maxima[field] ?? [];
  if (maxima.length < 2 || !isReviewField(COLLECTIONS[state.collection], field)) return false;
  const first = maxima[0];
  const classes = new Set(maxima.map(classOf));
  return classes.size === 1 && maxima.some((m) => m.value !== first?.value);
};

const ruleOf = (policy: DocumentPolicy, maxima: readonly FieldMaximum[]): ConflictRule => {
  const [winner, second] = maxima;
  if (winner === undefined || second === undefined) return 'lww';
  return classRank(winner, policy) > classRank(second, policy) ? policy : 'lww';
};

/** The current `field` record of one field, if its maxima are two or more. */
export const currentRecord = (state: DocumentState, field: string): ConflictRecord | undefined => {
  const maxima = state.maxima[field] ?? [];
  const winner = maxima[0];
  if (maxima.length < 2 || winner === undefined) return undefined;
  const open = isDisputed(state, field);
  return {
    id: conflictId(state.collection, state.docId, 'field', field, maxima),
    collection: state.collection,
    docId: state.docId,
    kind: 'field',
    fields: [field],
    candidates: [...maxima].sort(byDot).map((m) => ({
      deviceId: m.deviceId,
      seq: m.seq,
      author: m.author,
      values: { [field]: m.value },
    })),
    winner: { deviceId: winner.deviceId, seq: winner.seq },
    rule: open ? 'review' : ruleOf(COLLECTIONS[state.collection].policy, maxima),
    status: open ? 'open' : 'auto',
    resolvedBy: null,
    current: true,
  };
};

/** Every conflict record of the document, sorted by id. */
export const conflictsOf = (state: DocumentState): readonly ConflictRecord[] => {
  const current = Object.keys(state.maxima)
    .map((field) => currentRecord(state, field))
    .filter((r): r is ConflictRecord => r !== undefined);
  if (current.length === 0) return state.records;
  return [...current, ...state.records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
};
