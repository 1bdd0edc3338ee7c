/**
 * Snapshots (PROTOCOL.md, GET /v1/snapshot): the documents visible to the principal, as of one
 * cursor, in pages of at most 5000, so that a new device bootstraps from the live data and then
 * pulls after that cursor.
 *
 * Invariants:
 * 1. Every page of one snapshot carries the same cursor, the head when its first page was made,
 *    and each document is given as of that cursor: a document changed since is re-folded from
 *    its ops up to it, and one created since is left out (the pull brings it).
 * 2. Which documents are visible is decided now (a patient transferred away since is left
 *    out; the pull after the cursor brings the transfer op).
 * 3. Page tokens are signed like cursors: a forged one is `bad_cursor`.
 *
 * The storage-free rules (page size, page tokens, shaping the page) are `snapshot-paging.ts`'s,
 * shared with the other backends; this module holds the SQL reads.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { SyncError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { fold } from '../projections/document-state.ts';
import type { LogDialect } from './log-dialect.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { readOpRow } from './op-rows.ts';
import type { SnapshotDoc, SnapshotPage } from './operation-log.ts';
import {
  checkSnapshotPageSize,
  DEFAULT_SNAPSHOT_PAGE,
  pagePosition,
  snapshotAnswer,
  snapshotDoc,
  snapshotDocOfTexts,
} from './snapshot-paging.ts';
import { CorruptRowError } from './stored-json.ts';
import { documentVisibleTo, readingFacilities } from './visibility.ts';

/** Kept here for callers of the SQL snapshot; defined in `snapshot-paging.ts`. */
export { MAX_SNAPSHOT_PAGE } from './snapshot-paging.ts';

/** A document changed since `head`, as its fold of its ops up to `head` (invariant 1). */
const docAsOf = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  collection: CollectionName,
  docId: string,
  head: number,
): Promise<SnapshotDoc> => {
  const ops = await db
    .selectFrom('ops')
    .selectAll()
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .where('position', '<=', head)
    .orderBy('position')
    .execute();
  const state = fold(
    collection,
    docId,
    ops.map((op) => readOpRow(identity, op)),
  );
  return snapshotDoc(collection, docId, state);
};

/**
 * One page of the principal's snapshot (see the module's invariants). `jsonTextValid`: the
 * backend's test of JSON texts, when it has one (`LogDialect`), asked of the stored texts as
 * they are read.
 */
export const snapshotPage = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  page: string | undefined,
  pageSize: number = DEFAULT_SNAPSHOT_PAGE,
  jsonTextValid?: LogDialect['jsonTextValid'],
): Promise<E.Either<SyncError, SnapshotPage>> => {
  const checked = checkSnapshotPageSize(pageSize);
  if (E.isLeft(checked)) return checked;
  const position = await pagePosition(identity, page, () => headPosition(db));
  if (E.isLeft(position)) return position;
  const { head, after } = position.right;

  let query = db.selectFrom('documents').where('created_position', '<=', head);
  const facilities = readingFacilities(principal);
  if (facilities !== undefined) query = query.where(documentVisibleTo(facilities, 'documents'));
  if (after !== undefined) {
    // One row-value comparison, which both backends answer by seeking the key's index (an `or`
    // of the two cases made SQLite scan the index from its start on every page).
    query = query.where((eb) =>
      eb(eb.refTuple('collection', 'doc_id'), '>', eb.tuple(after.collection, after.docId)),
    );
  }
  const rows = await query
    .select(['collection', 'doc_id', 'state', 'data', 'deleted', 'last_position'])
    .select((eb) =>
      jsonTextValid === undefined
        ? []
        : [
            jsonTextValid(eb.ref('state')).as('state_valid'),
            jsonTextValid(eb.ref('data')).as('data_valid'),
          ],
    )
    .orderBy('collection')
    .orderBy('doc_id')
    .limit(pageSize + 1)
    .execute();

  const docs: SnapshotDoc[] = [];
  for (const row of rows.slice(0, pageSize)) {
    const what = `document ${row.collection}/${row.doc_id}`;
    const collection = CollectionNameCodec.decode(row.collection);
    if (E.isLeft(collection)) throw new CorruptRowError(what, 'unknown collection');
    docs.push(
      row.last_position <= head
        ? snapshotDocOfTexts(
            collection.right,
            row.doc_id,
            { state: row.state, data: row.data, deleted: row.deleted === 1 },
            what,
            row.state_valid === 1 && row.data_valid === 1,
          )
        : await docAsOf(db, identity, collection.right, row.doc_id, head),
    );
  }
  return E.right(snapshotAnswer(identity, head, docs, rows.length > pageSize));
};
