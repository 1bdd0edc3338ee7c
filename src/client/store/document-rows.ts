/**
 * The `documents` table: each document's reducer states and its view's materialized fields.
 * Functions over a kysely handle (a database or a transaction), used by `KyselyReplicaStore`.
 */
import type { Kysely } from 'kysely';
import { CollectionNameCodec } from '../../domain/collections.ts';
import { materialize } from '../../projections/materialize.ts';
import { encodeState } from '../../projections/state-codec.ts';
import type { DocKey, StoredDocument, ViewRow } from './replica-store.ts';
import type { DocumentsTable, ReplicaTables } from './replica-tables.ts';
import { CorruptReplicaError, readData, readState, readStrings } from './stored-json.ts';

const keyOf = (collection: string, docId: string): DocKey => {
  if (!CollectionNameCodec.is(collection)) {
    throw new CorruptReplicaError('document key', `unknown collection ${collection}`);
  }
  return { collection, docId };
};

const viewRowOf = (row: DocumentsTable): ViewRow => ({
  ...keyOf(row.collection, row.doc_id),
  data: readData(row.data),
  created: row.created === 1,
  deleted: row.deleted === 1,
  disputed: readStrings(row.disputed),
  pending: row.pending === 1,
});

/** The stored states of a document, if the replica holds it. */
export const readDocument = async (
  db: Kysely<ReplicaTables>,
  key: DocKey,
): Promise<StoredDocument | undefined> => {
  const row = await db
    .selectFrom('documents')
    .selectAll()
    .where('collection', '=', key.collection)
    .where('doc_id', '=', key.docId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    ...keyOf(row.collection, row.doc_id),
    base: row.base === null ? null : readState(row.base),
    complete: row.complete === 1,
    view: readState(row.view),
    stale: row.stale === 1,
    generation: row.generation,
    pending: row.pending === 1,
  };
};

/** Inserts or replaces a document, with its view's materialized fields. */
export const writeDocument = async (
  db: Kysely<ReplicaTables>,
  doc: StoredDocument,
): Promise<void> => {
  const shown = materialize(doc.view);
  const row: DocumentsTable = {
    collection: doc.collection,
    doc_id: doc.docId,
    base: doc.base === null ? null : encodeState(doc.base),
    complete: doc.complete ? 1 : 0,
    view: encodeState(doc.view),
    stale: doc.stale ? 1 : 0,
    generation: doc.generation,
    data: JSON.stringify(shown.data),
    created: shown.exists ? 1 : 0,
    deleted: shown.deleted ? 1 : 0,
    disputed: JSON.stringify(shown.disputed),
    pending: doc.pending ? 1 : 0,
  };
  const { collection: _c, doc_id: _d, ...update } = row;
  await db
    .insertInto('documents')
    .values(row)
    .onConflict((oc) => oc.columns(['collection', 'doc_id']).doUpdateSet(update))
    .execute();
};

/** Forgets a document. */
export const deleteDocument = async (db: Kysely<ReplicaTables>, key: DocKey): Promise<void> => {
  await db
    .deleteFrom('documents')
    .where('collection', '=', key.collection)
    .where('doc_id', '=', key.docId)
    .execute();
};

/** Documents last written by a bootstrap before `generation`. */
export const documentKeysBefore = async (
  db: Kysely<ReplicaTables>,
  generation: number,
): Promise<readonly DocKey[]> => {
  const rows = await db
    .selectFrom('documents')
    .select(['collection', 'doc_id'])
    .where('generation', '<', generation)
    .execute();
  return rows.map((r) => keyOf(r.collection, r.doc_id));
};

/** Documents marked for settling again. */
export const staleDocumentKeys = async (db: Kysely<ReplicaTables>): Promise<readonly DocKey[]> => {
  const rows = await db
    .selectFrom('documents')
    .select(['collection', 'doc_id'])
    .where('stale', '=', 1)
    .execute();
  return rows.map((r) => keyOf(r.collection, r.doc_id));
};

/** Marks documents for settling again. */
export const markDocumentsStale = async (
  db: Kysely<ReplicaTables>,
  keys: readonly DocKey[],
): Promise<void> => {
  for (const key of keys) {
    await db
      .updateTable('documents')
      .set({ stale: 1 })
      .where('collection', '=', key.collection)
      .where('doc_id', '=', key.docId)
      .execute();
  }
};

/** The materialized view of one document. */
export const readView = async (
  db: Kysely<ReplicaTables>,
  key: DocKey,
): Promise<ViewRow | undefined> => {
  const row = await db
    .selectFrom('documents')
    .selectAll()
    .where('collection', '=', key.collection)
    .where('doc_id', '=', key.docId)
    .executeTakeFirst();
  return row === undefined ? undefined : viewRowOf(row);
};

/** The materialized views of a collection's created documents, by id. */
export const readViews = async (
  db: Kysely<ReplicaTables>,
  collection: DocKey['collection'],
): Promise<readonly ViewRow[]> => {
  const rows = await db
    .selectFrom('documents')
    .selectAll()
    .where('collection', '=', collection)
    .where('created', '=', 1)
    .orderBy('doc_id')
    .execute();
  return rows.map(viewRowOf);
};
