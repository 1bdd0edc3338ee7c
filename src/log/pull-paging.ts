/**
 * The storage-free rules of a pull page, shared by every log backend: checking `limit`, reading
 * `after` against the head, and shaping the page from the visible rows a backend has read.
 *
 * Invariants:
 * 1. `limit` is a whole number from 1 to `MAX_PAGE`, else `bad_request` on `limit`.
 * 2. A backend reads at most `limit + 1` rows up to the head; the extra row only tells
 *    `hasMore`, it is never returned.
 * 3. `next` is the visibility position of the page's last op (never that op's own cursor); the
 *    `next` of an empty page is `after` itself, or the head when `after` is absent.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type SyncError, syncError } from '../domain/errors.ts';
import { decodeCursor, encodeCursor, type LogPosition, positionOf, START } from './cursor.ts';
import type { LogIdentity } from './log-identity.ts';
import { readRecentOpRow } from './op-rows.ts';
import type { PullPage } from './operation-log.ts';
import type { TokenError } from './signed-token.ts';
import type { VisibleRow } from './visibility.ts';

/** The most ops one page may hold (PROTOCOL.md: `limit` 1..5000). */
export const MAX_PAGE = 5000;

/** `limit` if it is a whole number from 1 to `MAX_PAGE`, else `bad_request` on `limit`. */
export const checkPullLimit = (limit: number): E.Either<SyncError, number> =>
  Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_PAGE
    ? E.right(limit)
    : E.left(
        syncError('bad_request', `limit must be a whole number from 1 to ${MAX_PAGE}`, 'limit'),
      );

/** The position `after` names (the start when absent), checked against the head. */
export const positionAfter = (
  identity: LogIdentity,
  after: string | undefined,
  head: number,
): E.Either<TokenError, LogPosition> =>
  after === undefined ? E.right(START) : decodeCursor(identity, after, head);

/**
 * The page made of `rows`, the visible rows after `after` up to `head` in visibility order, read
 * with a limit of `limit + 1` (see the module's invariants).
 */
export const pullPage = (
  identity: LogIdentity,
  after: string | undefined,
  head: number,
  rows: readonly VisibleRow[],
  limit: number,
): PullPage => {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const headCursor = encodeCursor(identity, positionOf(head));
  return {
    ops: page.map(({ row }) => readRecentOpRow(identity, row)),
    next:
      last === undefined
        ? (after ?? headCursor)
        : encodeCursor(identity, { at: last.at, op: last.row.position }),
    hasMore: rows.length > limit,
    head: headCursor,
  };
};
