/**
 * The `documents` table: each document's reducer states and its view's materialized fields.
 * Functions over a kysely handle (a database or a transaction), used by `KyselyReplicaStore`.
 */
import type { Kysely } from 'kysely';
import { CollectionNameCodec } from '../../domain/collections.ts';
import type { CompiledInserts, InsertStatement } from '../../log/compiled-inserts.ts';
import type { DocumentState } from '../../projections/document-state.ts';
import { materialize } from '../../projections/materialize.ts';
import { inChunks, MAX_PARAMETERS } from './parameter-chunks.ts';
import {
  type DocKey,
  docKeyText,
  idsByCollection,
  type SnapshotBase,
  type StoredDocument,
  type ViewRow,
} from './replica-store.ts';
import { BASE_IS_VIEW, type DocumentsTable, type ReplicaTables } from './replica-tables.ts';
import {
  CorruptReplicaError,
  readData,
  readState,
  readStrings,
  rememberViewText,
  storedState,
} from './stored-json.ts';

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

/**
 * A document read from its row. A view stored apart from the base (the document has pending
 * ops) is decoded when first asked for: settling pulled ops needs the base, and tells whether
 * the view changed by its text (`viewTextOf`).
 */
const storedDocumentOf = (row: DocumentsTable): StoredDocument => {
  const key = keyOf(row.collection, row.doc_id);
  const fields = {
    complete: row.complete === 1,
    stale: row.stale === 1,
    generation: row.generation,
    pending: row.pending === 1,
  };
  let doc: StoredDocument;
  if (row.base === BASE_IS_VIEW) {
    const view = readState(row.view);
    doc = { ...key, base: view, view, ...fields };
  } else {
    let view: DocumentState | undefined;
    const viewText = row.view;
    doc = {
      ...key,
      base: row.base === null ? null : readState(row.base),
      get view(): DocumentState {
        view ??= readState(viewText);
        return view;
      },
      ...fields,
    };
  }
  rememberViewText(doc, row.view);
  return doc;
};

/**
 * The row of a document: its states as text, and its view's materialized fields. A base that is
 * the view itself (nothing pending: almost every document) is stored once, as the view.
 */
const rowOf = (doc: StoredDocument): DocumentsTable => {
  const shown = materialize(doc.view);
  const view = storedState(doc.view);
  return {
    collection: doc.collection,
    doc_id: doc.docId,
    base: doc.base === null ? null : doc.base === doc.view ? BASE_IS_VIEW : storedState(doc.base),
    complete: doc.complete ? 1 : 0,
    view,
    stale: doc.stale ? 1 : 0,
    generation: doc.generation,
    data: JSON.stringify(shown.data),
    created: shown.exists ? 1 : 0,
    deleted: shown.deleted ? 1 : 0,
    disputed: JSON.stringify(shown.disputed),
    pending: doc.pending ? 1 : 0,
  };
};

/** The row `rowOf` makes of a document whose view is the snapshot's base (`SnapshotBase`). */
const baseRowOf = (base: SnapshotBase): DocumentsTable => ({
  collection: base.collection,
  doc_id: base.docId,
  base: BASE_IS_VIEW,
  complete: 0,
  view: base.state,
  stale: 0,
  generation: base.generation,
  data: JSON.stringify(base.shown.data),
  created: base.shown.exists ? 1 : 0,
  deleted: base.shown.deleted ? 1 : 0,
  disputed: JSON.stringify(base.shown.disputed),
  pending: 0,
});

/** The columns of a row, for a statement's parameters. */
const COLUMNS = 12;

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
  return row === undefined ? undefined : storedDocumentOf(row);
};

/** The stored states of those of `keys` the replica holds, by `docKeyText`. */
export const readDocuments = async (
  db: Kysely<ReplicaTables>,
  keys: readonly DocKey[],
): Promise<ReadonlyMap<string, StoredDocument>> => {
  const found = new Map<string, StoredDocument>();
  for (const [collection, docIds] of idsByCollection(keys)) {
    for (const part of inChunks(docIds)) {
      const rows = await db
        .selectFrom('documents')
        .selectAll()
        .where('collection', '=', collection)
        .where('doc_id', 'in', part)
        .execute();
      for (const row of rows) {
        const doc = storedDocumentOf(row);
        found.set(docKeyText(doc), doc);
      }
    }
  }
  return found;
};

/**
 * Of `keys`, those of documents the replica holds without all of their logged ops (from a
 * snapshot), by `docKeyText`; read from a flag, no state decoded.
 */
export const readIncompleteKeys = async (
  db: Kysely<ReplicaTables>,
  keys: readonly DocKey[],
): Promise<ReadonlySet<string>> => {
  const found = new Set<string>();
  for (const [collection, docIds] of idsByCollection(keys)) {
    for (const part of inChunks(docIds)) {
      const rows = await db
        .selectFrom('documents')
        .select('doc_id')
        .where('collection', '=', collection)
        .where('doc_id', 'in', part)
        .where('complete', '=', 0)
        .execute();
      for (const row of rows) found.add(docKeyText({ collection, docId: row.doc_id }));
    }
  }
  return found;
};

/** Inserts or replaces a document, with its view's materialized fields. */
export const writeDocument = (
  db: Kysely<ReplicaTables>,
  doc: StoredDocument,
  inserts: CompiledInserts,
): Promise<void> => writeDocuments(db, [doc], inserts);

/** Inserting or replacing documents' rows (compiled once per row count, `compiled-inserts.ts`). */
const PUT_DOCUMENTS: InsertStatement<DocumentsTable, ReplicaTables> = {
  name: 'replica documents upsert',
  build: (db, rows) =>
    db
      .insertInto('documents')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['collection', 'doc_id']).doUpdateSet((eb) => ({
          base: eb.ref('excluded.base'),
          complete: eb.ref('excluded.complete'),
          view: eb.ref('excluded.view'),
          stale: eb.ref('excluded.stale'),
          generation: eb.ref('excluded.generation'),
          data: eb.ref('excluded.data'),
          created: eb.ref('excluded.created'),
          deleted: eb.ref('excluded.deleted'),
          disputed: eb.ref('excluded.disputed'),
          pending: eb.ref('excluded.pending'),
        })),
      ),
};

/**
 * Inserts or replaces the rows `row` makes of `items`, a statement's worth at a time (as many
 * rows as SQLite's parameter limit allows), in the caller's transaction.
 */
const putRows = async <T>(
  db: Kysely<ReplicaTables>,
  items: readonly T[],
  row: (item: T) => DocumentsTable,
  inserts: CompiledInserts,
): Promise<void> => {
  for (const part of inChunks(items, Math.floor(MAX_PARAMETERS / COLUMNS))) {
    if (part.length === 0) continue;
    await inserts.run(db, PUT_DOCUMENTS, part.map(row));
  }
};

/** Inserts or replaces documents, with their views' materialized fields. */
export const writeDocuments = (
  db: Kysely<ReplicaTables>,
  docs: readonly StoredDocument[],
  inserts: CompiledInserts,
): Promise<void> => putRows(db, docs, rowOf, inserts);

/** Inserts or replaces a snapshot's bases (`SnapshotBase`), as `writeDocuments` would. */
export const writeSnapshotBases = (
  db: Kysely<ReplicaTables>,
  bases: readonly SnapshotBase[],
  inserts: CompiledInserts,
): Promise<void> => putRows(db, bases, baseRowOf, inserts);

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
