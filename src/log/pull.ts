/**
 * Reading the log by cursor (PROTOCOL.md, GET /v1/pull, GET /v1/ops, GET /v1/events): only ops
 * visible to the principal, in visibility order.
 *
 * Invariants:
 * 1. A page never reaches past the head read at its start, so `hasMore: false` means nothing
 *    visible lies between `next` and `head`, even while appends commit.
 * 2. `next` is the visibility position of the page's last op (never that op's own cursor): after
 *    a transfer, revealed ops carry their original cursors but are paged by the transfer's.
 * 3. The `next` of an empty page is `after` itself, or the head when `after` is absent.
 *
 * The storage-free rules (limit, `after`, shaping the page) are `pull-paging.ts`'s, shared with
 * the other backends; this module holds the SQL reads.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { LoggedOp } from '../domain/operation.ts';
import type { Principal } from '../domain/principal.ts';
import { decodeCursor } from './cursor.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { readRecentOpRow } from './op-rows.ts';
import type { PullPage } from './operation-log.ts';
import { checkPullLimit, positionAfter, pullPage } from './pull-paging.ts';
import {
  anyVisibleAfter,
  readingFacilities,
  visibleDocumentOps,
  visibleOpsAfter,
} from './visibility.ts';

/** Kept here for callers of the SQL pull; defined in `pull-paging.ts`. */
export { MAX_PAGE, positionAfter } from './pull-paging.ts';

/** A page of ops visible to the principal after `after`. */
export const readAfter = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  after: string | undefined,
  limit: number,
): Promise<E.Either<SyncError, PullPage>> => {
  const checked = checkPullLimit(limit);
  if (E.isLeft(checked)) return checked;
  const head = await headPosition(db);
  const from = positionAfter(identity, after, head);
  if (E.isLeft(from)) return from;
  const rows = await visibleOpsAfter(db, readingFacilities(principal), from.right, head, limit + 1);
  return E.right(pullPage(identity, after, head, rows, limit));
};

/** True when ops visible to the principal exist after `after`. */
export const hasVisibleAfter = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  after: string,
): Promise<E.Either<SyncError, boolean>> => {
  const head = await headPosition(db);
  const from = decodeCursor(identity, after, head);
  if (E.isLeft(from)) return from;
  return E.right(await anyVisibleAfter(db, readingFacilities(principal), from.right, head));
};

/** Every op of one document visible to the principal, in cursor order. */
export const documentOps = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  collection: CollectionName,
  docId: string,
): Promise<E.Either<SyncError, readonly LoggedOp[]>> => {
  const rows = await visibleDocumentOps(db, readingFacilities(principal), collection, docId);
  if (rows.length === 0) {
    return E.left(syncError('not_found', `no ${collection} ${docId} that you can see`));
  }
  return E.right(rows.map((row) => readRecentOpRow(identity, row)));
};
