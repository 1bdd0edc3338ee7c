/**
 * Reading the TablesDB log by cursor (the rules are `src/log/pull.ts`'s): only ops visible to
 * the principal, in visibility order, by the log's own position columns.
 *
 * Invariants:
 * 1. The head is read from the head row first, and a page never reaches past it: every
 *    position up to a committed head is committed with it (one transaction), so
 *    `hasMore: false` means nothing visible lies between `next` and `head`.
 * 2. `next` is the visibility position of the page's last op, never that op's own cursor.
 * 3. The `next` of an empty page is `after` itself, or the head when `after` is absent.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../../../domain/collection.ts';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import type { LoggedOp } from '../../../domain/operation.ts';
import type { Principal } from '../../../domain/principal.ts';
import { decodeCursor, encodeCursor, positionOf } from '../../../log/cursor.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { readOpRow } from '../../../log/op-rows.ts';
import type { PullPage } from '../../../log/operation-log.ts';
import { MAX_PAGE, positionAfter } from '../../../log/pull.ts';
import { readingFacilities } from '../../../log/visibility.ts';
import { readHead } from '../log-head-transaction.ts';
import type { LogStore } from './log-store.ts';
import { visibleDocumentOps, visibleOpsAfter } from './visible-ops.ts';

/** The committed head position. */
export const headOf = (store: LogStore): Promise<number> =>
  readHead(store.tablesDb, store.databaseId);

/** A page of ops visible to the principal after `after`. */
export const readAfter = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  after: string | undefined,
  limit: number,
): Promise<E.Either<SyncError, PullPage>> => {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    return E.left(
      syncError('bad_request', `limit must be a whole number from 1 to ${MAX_PAGE}`, 'limit'),
    );
  }
  const head = await headOf(store);
  const from = positionAfter(identity, after, head);
  if (E.isLeft(from)) return from;
  const rows = await visibleOpsAfter(
    store,
    readingFacilities(principal),
    from.right,
    head,
    limit + 1,
  );
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const headCursor = encodeCursor(identity, positionOf(head));
  return E.right({
    ops: page.map(({ row }) => readOpRow(identity, row)),
    next:
      last === undefined
        ? (after ?? headCursor)
        : encodeCursor(identity, { at: last.at, op: last.row.position }),
    hasMore: rows.length > limit,
    head: headCursor,
  });
};

/** True when ops visible to the principal exist after `after`. */
export const hasVisibleAfter = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  after: string,
): Promise<E.Either<SyncError, boolean>> => {
  const head = await headOf(store);
  const from = decodeCursor(identity, after, head);
  if (E.isLeft(from)) return from;
  const rows = await visibleOpsAfter(store, readingFacilities(principal), from.right, head, 1);
  return E.right(rows.length > 0);
};

/** Every op of one document visible to the principal, in cursor order. */
export const documentOps = async (
  store: LogStore,
  identity: LogIdentity,
  principal: Principal,
  collection: CollectionName,
  docId: string,
): Promise<E.Either<SyncError, readonly LoggedOp[]>> => {
  const rows = await visibleDocumentOps(store, readingFacilities(principal), collection, docId);
  if (rows.length === 0) {
    return E.left(syncError('not_found', `no ${collection} ${docId} that you can see`));
  }
  return E.right(rows.map((row) => readOpRow(identity, row)));
};
