/**
 * The documents one append plan works on (the TablesDB counterpart of
 * `src/log/document-cache.ts`): loaded from the collections' rows once, then kept in memory as
 * the plan changes them, and staged at the end. What to load is `src/log/batch-prefetch.ts`'s,
 * and the in-memory look-ups and duplicate-dose index are `src/log/document-cache.ts`'s pure
 * functions, as for the SQL log; only the reads are this store's.
 *
 * Invariants:
 * 1. A look-up of a document that was never loaded is a bug, never a silent "does not exist".
 * 2. Rows are read from the committed store; the plan is valid only while the head has not
 *    moved, which `appendUnderHead` checks (a moved head re-plans from scratch).
 * 3. `storedConflicts` are the records the store holds, so only changed records are staged.
 * 4. A document whose row is missing, or holds no log state, but which has ops in the log (its
 *    row was deleted or replaced in the console) is rebuilt from its ops, so the next write
 *    continues its history instead of starting a new one.
 */
import { Query } from 'node-appwrite';
import type { CollectionName } from '../../../domain/collection.ts';
import type { DocumentLookup } from '../../../domain/document-view.ts';
import type { Operation } from '../../../domain/operation.ts';
import type { DocumentRef } from '../../../domain/scope.ts';
import { prefetchBatch, prefetchOp } from '../../../log/batch-prefetch.ts';
import {
  type CachedDocument,
  documentLookupOf,
  documentsAt,
  hasDuplicateDose,
  indexRecord,
  loadedDocument,
  missingByCollection,
} from '../../../log/document-cache.ts';
import { documentKey } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { OPS_TABLE, readOpsRow } from './log-rows.ts';
import type { LogStore } from './log-store.ts';
import { documentOfOps, documentOfRow } from './projected-documents.ts';

/** The documents of one plan. */
export class BatchDocuments {
  readonly #store: LogStore;
  readonly #identity: LogIdentity;
  /** `null`: loaded, and the store has no such document. */
  readonly #docs = new Map<string, CachedDocument | null>();
  readonly #dirty = new Set<string>();
  readonly #patientsWithRecords = new Set<string>();
  readonly #recordsByPatient = new Map<string, Set<string>>();

  constructor(store: LogStore, identity: LogIdentity) {
    this.#store = store;
    this.#identity = identity;
  }

  /** Loads the documents not loaded yet (one list per collection and chunk of ids). */
  async load(refs: readonly DocumentRef[]): Promise<void> {
    for (const [collection, ids] of missingByCollection(this.#docs, refs)) {
      // A row without a state was not written by this log (a console edit before the log
      // knew the document, or one that replaced its row): invariant 4 decides.
      const rows = await this.#store.allWhereIn(
        collection,
        '$id',
        [...ids],
        [Query.isNotNull('syncState')],
      );
      for (const row of rows) {
        this.#set(documentKey(collection, row.$id), documentOfRow(collection, row));
      }
      const rowless = [...ids].filter((docId) => !this.#docs.has(documentKey(collection, docId)));
      await this.#loadFromOps(collection, rowless);
      for (const docId of rowless) {
        const key = documentKey(collection, docId);
        if (!this.#docs.has(key)) this.#docs.set(key, null);
      }
    }
  }

  /** Rebuilds from their ops the documents that have ops but no row (invariant 4). */
  async #loadFromOps(collection: CollectionName, docIds: readonly string[]): Promise<void> {
    if (docIds.length === 0) return;
    const raws = await this.#store.allWhereIn(OPS_TABLE, 'docId', docIds, [
      Query.equal('collection', collection),
      Query.orderAsc('position'),
    ]);
    const byDoc = new Map<string, ReturnType<typeof readOpsRow>[]>();
    for (const raw of raws) {
      const row = readOpsRow(raw);
      const rows = byDoc.get(row.doc_id) ?? [];
      rows.push(row);
      byDoc.set(row.doc_id, rows);
    }
    for (const [docId, rows] of byDoc) {
      this.#set(
        documentKey(collection, docId),
        documentOfOps(this.#identity, collection, docId, rows),
      );
    }
  }

  /** Loads what the ops of a batch will look up: their documents, references and patients' records. */
  async prefetch(ops: readonly Operation[]): Promise<void> {
    await prefetchBatch(this, ops);
  }

  /** Loads what one op will look up, as its document stands now (usually loaded already). */
  async prefetchOp(op: Operation): Promise<void> {
    await prefetchOp(this, op);
  }

  /** Loads every immunization record of these patients (for the duplicate-dose flag). */
  async loadRecordsOfPatients(patientIds: readonly string[]): Promise<void> {
    const missing = [...new Set(patientIds)].filter((id) => !this.#patientsWithRecords.has(id));
    if (missing.length === 0) return;
    const rows = await this.#store.allWhereIn('immunization_records', 'patientId', missing, [
      Query.isNotNull('syncState'),
    ]);
    for (const row of rows) {
      const key = documentKey('immunization_records', row.$id);
      if (!this.#docs.has(key)) this.#set(key, documentOfRow('immunization_records', row));
    }
    for (const id of missing) this.#patientsWithRecords.add(id);
  }

  /** The document (a new, empty one if the store has none); throws if it was never loaded. */
  get(collection: CollectionName, docId: string): CachedDocument {
    return loadedDocument(this.#docs, collection, docId);
  }

  /** Replaces a document by its new version, to be staged. */
  put(doc: CachedDocument): void {
    const key = documentKey(doc.collection, doc.docId);
    this.#set(key, doc);
    this.#dirty.add(key);
  }

  /** The documents the plan changed. */
  dirty(): readonly CachedDocument[] {
    return documentsAt(this.#docs, this.#dirty);
  }

  #set(key: string, doc: CachedDocument): void {
    this.#docs.set(key, doc);
    indexRecord(this.#recordsByPatient, key, doc);
  }

  /** Synchronous look-ups for the rules and the scope, over the loaded documents. */
  lookup(userFacilities: (userId: string) => readonly string[]): DocumentLookup {
    return documentLookupOf(this, userFacilities);
  }

  /** True when another, not deleted record of the patient has the same vaccine and dose. */
  duplicateDose(patientId: string, vaccineId: string, doseNumber: number, docId: string): boolean {
    return hasDuplicateDose(
      this.#docs,
      this.#recordsByPatient,
      this.#patientsWithRecords,
      patientId,
      vaccineId,
      doseNumber,
      docId,
    );
  }
}
