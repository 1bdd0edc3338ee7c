/**
 * Explanation of a document's history for auditors: for each op, which of its fields stand,
 * which were lost (to which op, by which rule), whether it was defeated, and its flags.
 * The caller passes the ops up to the cursor it wants the document as of.
 */
import type { DocumentData } from '../domain/collection.ts';
import { COLLECTIONS } from '../domain/collections.ts';
import type { Dot } from '../domain/ids.ts';
import type { AuthoredOp } from '../domain/operation.ts';
import { candidateOf } from './candidate.ts';
import { conflictId } from './conflict-id.ts';
import type { ConflictRule } from './conflict-record.ts';
import { currentRecord } from './conflicts.ts';
import { type DocumentState, fold } from './document-state.ts';
import { type LostField, type OpOutcome, SKEW_TOLERANCE_MS } from './history.ts';
import { materialize } from './materialize.ts';

export interface Explanation {
  readonly doc: {
    readonly data: DocumentData;
    readonly deleted: boolean;
    readonly disputed: readonly string[];
  };
  readonly timeline: readonly { readonly op: AuthoredOp; readonly outcome: OpOutcome }[];
}

const sameDot = (a: Dot, b: Dot): boolean => a.deviceId === b.deviceId && a.seq === b.seq;

const outcomeOf = (
  state: DocumentState,
  op: AuthoredOp,
  extraFlags: readonly string[],
): OpOutcome => {
  const c = candidateOf(op);
  const flags = [...extraFlags];
  if (c.receivedAt !== null && c.hlc.ms > c.receivedAt + SKEW_TOLERANCE_MS) flags.push('skewed');
  const defeatId = conflictId(state.collection, state.docId, 'defeat', null, [c]);
  const defeat = state.records.find((r) => r.id === defeatId);
  const applied: string[] = [];
  const lost: LostField[] = [];
  for (const field of Object.keys(c.writes).sort()) {
    const maxima = state.maxima[field] ?? [];
    const winner = maxima[0];
    if (defeat !== undefined) {
      lost.push({ field, to: defeat.winner, rule: defeat.rule });
      continue;
    }
    if (winner === undefined) continue;
    if (sameDot(winner, c)) {
      applied.push(field);
      continue;
    }
    const to = { deviceId: winner.deviceId, seq: winner.seq };
    let rule: ConflictRule;
    if (maxima.some((m) => sameDot(m, c))) {
      rule = currentRecord(state, field)?.rule ?? 'lww';
    } else {
      rule = winner.resolution ? 'resolution' : 'superseded';
    }
    lost.push({ field, to, rule });
  }
  return {
    applied,
    lost,
    defeatedBy: defeat === undefined ? null : defeat.winner,
    flags: [...new Set(flags)].sort(),
  };
};

/**
 * The document folded from `ops` and each op's outcome, in the order given.
 * `flagsOf` adds flags the log keeps (`possible_duplicate`, `upcast`); `skewed` is computed here.
 */
export const explain = (
  ops: readonly AuthoredOp[],
  flagsOf: (dot: Dot) => readonly string[] = () => [],
): Explanation => {
  const first = ops[0];
  if (first === undefined) return { doc: { data: {}, deleted: false, disputed: [] }, timeline: [] };
  if (!Object.hasOwn(COLLECTIONS, first.collection)) throw new Error('unknown collection');
  const state = fold(first.collection, first.docId, ops);
  const doc = materialize(state);
  return {
    doc: { data: doc.data, deleted: doc.deleted, disputed: doc.disputed },
    timeline: ops.map((op) => ({ op, outcome: outcomeOf(state, op, flagsOf(op)) })),
  };
};
