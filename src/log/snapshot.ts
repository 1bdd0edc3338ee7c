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
 * shared with the other backends; this module holds the SQL reads. A backend with `wireSql`
 * (SQLite) puts each document's wire JSON together as it reads the row and tests both stored
 * texts; a document whose texts it does not find JSON objects is read again as texts and
 * parsed, which decides (`snapshot-paging.ts`, invariant 5).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Kysely, sql } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { SyncError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { fold } from '../projections/document-state.ts';
import type { LogDialect, WireSql } from './log-dialect.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { LogTables } from './log-tables.ts';
import { readOpRow } from './op-rows.ts';
import type { SnapshotDoc, SnapshotPage } from './operation-log.ts';
import {
  checkSnapshotPageSize,
  MAX_SNAPSHOT_PAGE,
  type PagePosition,
  pagePosition,
  type StoredDocumentTexts,
  snapshotAnswer,
  snapshotDoc,
  snapshotDocOfTexts,
  snapshotDocOfWire,
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
 * The query of a snapshot page's rows, their keys and last positions selected: the documents
 * visible to `principal`, as of `head`, after `after`, one more than `pageSize` (to tell whether
 * others remain).
 */
const pageQuery = (
  db: Kysely<LogTables>,
  principal: Principal,
  { head, after }: PagePosition,
  pageSize: number,
) => {
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
  return query
    .select(['collection', 'doc_id', 'last_position'])
    .orderBy('collection')
    .orderBy('doc_id')
    .limit(pageSize + 1);
};

/**
 * A row of a page: its stored texts, with whether the backend found both well-formed JSON; or
 * its wire JSON as the backend put it together, with whether it found both texts JSON objects.
 */
interface PageRow {
  readonly collection: string;
  readonly doc_id: string;
  readonly last_position: number;
  readonly texts?: StoredDocumentTexts & { readonly wellFormed: boolean };
  readonly wire?: { readonly bytes: Uint8Array; readonly ok: boolean; readonly deleted: boolean };
}

/** The rows of a page with their stored texts, tested by `jsonTextValid` where there is one. */
const rowsWithTexts = async (
  db: Kysely<LogTables>,
  principal: Principal,
  position: PagePosition,
  pageSize: number,
  jsonTextValid: LogDialect['jsonTextValid'],
): Promise<readonly PageRow[]> => {
  const rows = await pageQuery(db, principal, position, pageSize)
    .select(['state', 'data', 'deleted'])
    .select((eb) =>
      jsonTextValid === undefined
        ? []
        : [
            jsonTextValid(eb.ref('state')).as('state_valid'),
            jsonTextValid(eb.ref('data')).as('data_valid'),
          ],
    )
    .execute();
  return rows.map((row) => ({
    collection: row.collection,
    doc_id: row.doc_id,
    last_position: row.last_position,
    texts: {
      state: row.state,
      data: row.data,
      deleted: row.deleted === 1,
      wellFormed: row.state_valid === 1 && row.data_valid === 1,
    },
  }));
};

/**
 * The rows of a page with each document's wire JSON as the backend put it together from its
 * stored texts (`snapshotDocJson`'s text, as bytes), and whether both texts are JSON objects
 * (well-formed and opening with `{`: `snapshot-paging.ts`, invariant 5).
 */
const rowsWithWire = async (
  db: Kysely<LogTables>,
  principal: Principal,
  position: PagePosition,
  pageSize: number,
  jsonTextValid: NonNullable<LogDialect['jsonTextValid']>,
  wireSql: WireSql,
): Promise<readonly PageRow[]> => {
  const { jsonQuote, utf8Bytes } = wireSql;
  const rows = await pageQuery(db, principal, position, pageSize)
    .select('deleted')
    .select((eb) => {
      const state = eb.ref('state');
      const data = eb.ref('data');
      const isObject = (text: typeof state) =>
        sql<number>`(${jsonTextValid(text)} and substr(${text}, 1, 1) = '{')`;
      // `snapshotDocJson`'s text of a document given by its stored texts.
      const wire = sql<string>`'{"collection":' || ${jsonQuote(eb.ref('collection'))}
        || ',"docId":' || ${jsonQuote(eb.ref('doc_id'))} || ',"data":' || ${data}
        || ',"deleted":' || (case ${eb.ref('deleted')} when 1 then 'true' else 'false' end)
        || ',"meta":{"state":' || ${state} || '}}'`;
      return [
        sql<number>`(${isObject(state)} and ${isObject(data)})`.as('texts_ok'),
        utf8Bytes(wire).as('wire'),
      ];
    })
    .execute();
  return rows.map((row) => ({
    collection: row.collection,
    doc_id: row.doc_id,
    last_position: row.last_position,
    wire: { bytes: row.wire, ok: row.texts_ok === 1, deleted: row.deleted === 1 },
  }));
};

/** A document's stored texts, read again when the backend did not find them JSON objects. */
const storedTexts = async (
  db: Kysely<LogTables>,
  collection: CollectionName,
  docId: string,
  what: string,
): Promise<StoredDocumentTexts> => {
  const row = await db
    .selectFrom('documents')
    .select(['state', 'data', 'deleted'])
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .executeTakeFirst();
  if (row === undefined) throw new CorruptRowError(what, 'the row is gone');
  return { state: row.state, data: row.data, deleted: row.deleted === 1 };
};

/**
 * One page of the principal's snapshot (see the module's invariants). `dialect`: the backend's
 * test of JSON texts (`jsonTextValid`), asked of the stored texts as they are read, and its SQL
 * to build each document's wire JSON as bytes (`wireSql`), where it has them (`LogDialect`).
 */
export const snapshotPage = async (
  db: Kysely<LogTables>,
  identity: LogIdentity,
  principal: Principal,
  page: string | undefined,
  pageSize: number = MAX_SNAPSHOT_PAGE,
  dialect: Pick<LogDialect, 'jsonTextValid' | 'wireSql'> = {},
): Promise<E.Either<SyncError, SnapshotPage>> => {
  const checked = checkSnapshotPageSize(pageSize);
  if (E.isLeft(checked)) return checked;
  const position = await pagePosition(identity, page, () => headPosition(db));
  if (E.isLeft(position)) return position;
  const { head } = position.right;
  const { jsonTextValid, wireSql } = dialect;
  const rows =
    jsonTextValid !== undefined && wireSql !== undefined
      ? await rowsWithWire(db, principal, position.right, pageSize, jsonTextValid, wireSql)
      : await rowsWithTexts(db, principal, position.right, pageSize, jsonTextValid);

  const docs: SnapshotDoc[] = [];
  for (const row of rows.slice(0, pageSize)) {
    const what = `document ${row.collection}/${row.doc_id}`;
    const decoded = CollectionNameCodec.decode(row.collection);
    if (E.isLeft(decoded)) throw new CorruptRowError(what, 'unknown collection');
    const collection = decoded.right;
    if (row.last_position > head) {
      docs.push(await docAsOf(db, identity, collection, row.doc_id, head));
    } else if (row.wire?.ok === true) {
      docs.push(snapshotDocOfWire(collection, row.doc_id, row.wire.deleted, row.wire.bytes, what));
    } else if (row.texts !== undefined) {
      docs.push(snapshotDocOfTexts(collection, row.doc_id, row.texts, what, row.texts.wellFormed));
    } else {
      // Texts the backend did not find JSON objects: parsed here, which decides.
      const texts = await storedTexts(db, collection, row.doc_id, what);
      docs.push(snapshotDocOfTexts(collection, row.doc_id, texts, what));
    }
  }
  return E.right(snapshotAnswer(identity, head, docs, rows.length > pageSize));
};
