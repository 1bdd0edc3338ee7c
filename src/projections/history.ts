/**
 * History: for each op of a document, what became of it.
 */
import type { Dot } from '../domain/ids.ts';
import type { ConflictRule } from './conflict-record.ts';

/** A field an op wrote that does not stand, and the op whose value stands instead. */
export interface LostField {
  readonly field: string;
  readonly to: Dot;
  readonly rule: ConflictRule;
}

/** What became of one op (PROTOCOL.md, history `outcome`). */
export interface OpOutcome {
  readonly applied: readonly string[];
  readonly lost: readonly LostField[];
  readonly defeatedBy: Dot | null;
  readonly flags: readonly string[];
}

/** An op is `skewed` when its clock ran more than this ahead of the server's (PROTOCOL.md). */
export const SKEW_TOLERANCE_MS = 5 * 60 * 1000;
