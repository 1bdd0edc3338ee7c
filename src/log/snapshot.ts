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
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { type DocumentState, fold } from '../projections/document-state.ts';
import { materialize } from '../projections/materialize.ts';
import { decodeState, snapshotMeta } from '../projections/state-codec.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { readOpRow } from './op-rows.ts';
import type { SnapshotDoc, SnapshotPage } from './operation-log.ts';
import { signToken, verifyToken } from './signed-token.ts';
import { CorruptRowError } from './stored-json.ts';
import { documentVisibleTo, readingFacilities } from './visibility.ts';

/** The most documents a snapshot page holds. */
export const MAX_SNAPSHOT_PAGE = 5000;

const PAGE_KIND = 's';

interface PagePosition {
  readonly head: number;
  readonly after: { readonly collection: string; readonly docId: string } | undefined;
}

const readPageToken = (identity: LogIdentity, token: string): E.Either<SyncError, PagePosition> => {
  const fields = verifyToken(identity, PAGE_KIND, token, 'snapshot page');
  if (E.isLeft(fields)) return fields;
  const [head, collection, docId] = fields.right;
  if (
    head === undefined ||
    collection === undefined ||
    docId === undefined ||
    !/^\d+$/.test(head)
  ) {
    return E.left(syncError('bad_cursor', 'the snapshot page is not one this server issued'));
  }
  return E.right({ head: Number(head), after: { collection, docId } });
};

/** A document's state as of `head`: the stored one, or the fold of its ops up to `head`. */
const stateAsOf = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  row: { readonly doc_id: string; readonly state: string; readonly last_position: number },
  collection: CollectionName,
  head: number,
): Promise<DocumentState> => {
  if (row.last_position <= head) {
    const stored = decodeState(row.state);
    if (E.isLeft(stored)) {
      throw new CorruptRowError(`document ${collection}/${row.doc_id}`, stored.left.message);
    }
    return stored.right;
  }
  const ops = await db
    .selectFrom('ops')
    .selectAll()
    .where('collection', '=', collection)
    .where('doc_id', '=', row.doc_id)
    .where('position', '<=', head)
    .orderBy('position')
    .execute();
  return fold(
    collection,
    row.doc_id,
    ops.map((op) => readOpRow(identity, op)),
  );
};

/** One page of the principal's snapshot (see the module's invariants). */
export const snapshotPage = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  page: string | undefined,
  pageSize: number = MAX_SNAPSHOT_PAGE,
): Promise<E.Either<SyncError, SnapshotPage>> => {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > MAX_SNAPSHOT_PAGE) {
    return E.left(
      syncError('bad_request', `a snapshot page holds 1 to ${MAX_SNAPSHOT_PAGE} documents`),
    );
  }
  const position =
    page === undefined
      ? E.right<SyncError, PagePosition>({ head: await headPosition(db), after: undefined })
      : readPageToken(identity, page);
  if (E.isLeft(position)) return position;
  const { head, after } = position.right;

  let query = db.selectFrom('documents').selectAll().where('created_position', '<=', head);
  const facilities = readingFacilities(principal);
  if (facilities !== undefined) query = query.where(documentVisibleTo(facilities, 'documents'));
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('collection', '>', after.collection),
        eb.and([eb('collection', '=', after.collection), eb('doc_id', '>', after.docId)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('collection')
    .orderBy('doc_id')
    .limit(pageSize + 1)
    .execute();

  const docs: SnapshotDoc[] = [];
  for (const row of rows.slice(0, pageSize)) {
    const what = `document ${row.collection}/${row.doc_id}`;
    const collection = CollectionNameCodec.decode(row.collection);
    if (E.isLeft(collection)) throw new CorruptRowError(what, 'unknown collection');
    const state = await stateAsOf(db, identity, row, collection.right, head);
    const m = materialize(state);
    docs.push({
      collection: collection.right,
      docId: row.doc_id,
      data: m.data,
      deleted: m.deleted,
      meta: snapshotMeta(state),
    });
  }
  const last = docs.at(-1);
  return E.right({
    docs,
    cursor: encodeCursor(identity, positionOf(head)),
    nextPage:
      rows.length > pageSize && last !== undefined
        ? signToken(identity, PAGE_KIND, [String(head), last.collection, last.docId])
        : null,
  });
};
