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
 *
 * The storage-free rules (limit, `after`, shaping the page) are `src/log/pull-paging.ts`'s;
 * this module holds the TablesDB reads.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../../../domain/collection.ts';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import type { LoggedOp } from '../../../domain/operation.ts';
import type { Principal } from '../../../domain/principal.ts';
import { decodeCursor } from '../../../log/cursor.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { readRecentOpRow } from '../../../log/op-rows.ts';
import type { PullPage } from '../../../log/operation-log.ts';
import { checkPullLimit, positionAfter, pullPage } from '../../../log/pull-paging.ts';
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
  const checked = checkPullLimit(limit);
  if (E.isLeft(checked)) return checked;
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
  return E.right(pullPage(identity, after, head, rows, limit));
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
  return E.right(rows.map((row) => readRecentOpRow(identity, row)));
};
