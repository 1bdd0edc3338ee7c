/**
 * Choosing the ops of one push, purely.
 *
 * Invariants:
 * 1. A batch holds at most `MAX_PUSH_BATCH` (500) ops, fewer when the caller asks for fewer.
 * 2. A batch starts at the seq asked for and its seqs are contiguous and increasing, so the
 *    server never sees a gap the client made itself.
 * 3. A batch stops at the first seq the device no longer holds; when that is the first one, the
 *    answer says which seq is missing instead of sending anything.
 */
import type { Operation } from '../domain/operation.ts';

/** The most ops a client sends in one push. */
export const MAX_PUSH_BATCH = 500;

/** The ops to send, nothing to send, or the seq that is missing. */
export type BatchChoice =
  | { readonly kind: 'batch'; readonly ops: readonly Operation[] }
  | { readonly kind: 'empty' }
  | { readonly kind: 'missing'; readonly seq: number };

/**
 * The ops to push from seq `from`, taken from `available` (the device's ops it still holds,
 * by seq), up to `last` (the device's highest seq) and at most `limit` of them.
 */
export const chooseBatch = (
  available: ReadonlyMap<number, Operation>,
  from: number,
  last: number,
  limit: number,
): BatchChoice => {
  if (from > last) return { kind: 'empty' };
  const size = Math.max(1, Math.min(MAX_PUSH_BATCH, Math.floor(limit)));
  const ops: Operation[] = [];
  for (let seq = from; seq <= last && ops.length < size; seq++) {
    const op = available.get(seq);
    if (op === undefined) break;
    ops.push(op);
  }
  return ops.length === 0 ? { kind: 'missing', seq: from } : { kind: 'batch', ops };
};
