/**
 * Which conflict records a replica should tell its app about, purely: those that are new, or
 * whose status or winner changed, on documents this device has written.
 */
import { dotKey } from '../domain/ids.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';

const signature = (record: ConflictRecord): string =>
  `${record.id}|${record.status}|${dotKey(record.winner)}`;

/** Records of `after` that `before` did not hold as they are now. */
export const conflictNews = (
  before: readonly ConflictRecord[],
  after: readonly ConflictRecord[],
): readonly ConflictRecord[] => {
  const known = new Set(before.map(signature));
  return after.filter((record) => !known.has(signature(record)));
};
