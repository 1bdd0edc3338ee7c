/**
 * The documents one append plan works on (the TablesDB counterpart of
 * `src/log/document-cache.ts`): loaded from the collections' rows once, then kept in memory as
 * the plan changes them, and staged at the end. What to load is `src/log/batch-prefetch.ts`'s,
 * and the in-memory documents, look-ups and duplicate-dose index are `src/log/document-cache.ts`'s
 * `LoadedDocumentSet`, as for the SQL log; only the reads are this store's.
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
import type { Operation } from '../../../domain/operation.ts';
import type { DocumentRef } from '../../../domain/scope.ts';
import { type PrefetchedViews, prefetchBatch, prefetchOp } from '../../../log/batch-prefetch.ts';
import { LoadedDocumentSet } from '../../../log/document-cache.ts';
import { documentKey } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { OPS_TABLE, readOpsRow } from './log-rows.ts';
import type { LogStore } from './log-store.ts';
import { documentOfOps, documentOfRow } from './projected-documents.ts';

/** The documents of one plan. */
export class BatchDocuments extends LoadedDocumentSet {
  readonly #store: LogStore;
  readonly #identity: LogIdentity;
  /** What `prefetch` read each op's references off (`batch-prefetch.ts`, invariant 3). */
  #prefetched: PrefetchedViews | undefined;

  constructor(store: LogStore, identity: LogIdentity) {
    super();
    this.#store = store;
    this.#identity = identity;
  }

  /** Loads the documents not loaded yet (one list per collection and chunk of ids). */
  async load(refs: readonly DocumentRef[]): Promise<void> {
    for (const [collection, ids] of this.missing(refs)) {
      // A row without a state was not written by this log (a console edit before the log
      // knew the document, or one that replaced its row): invariant 4 decides.
      const rows = await this.#store.allWhereIn(
        collection,
        '$id',
        [...ids],
        [Query.isNotNull('syncState')],
      );
      for (const row of rows) {
        this.remember(documentKey(collection, row.$id), documentOfRow(collection, row));
      }
      const rowless = [...ids].filter((docId) => !this.isLoaded(documentKey(collection, docId)));
      await this.#loadFromOps(collection, rowless);
      for (const docId of rowless) this.rememberAbsent(documentKey(collection, docId));
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
      this.remember(
        documentKey(collection, docId),
        documentOfOps(this.#identity, collection, docId, rows),
      );
    }
  }

  /** Loads what the ops of a batch will look up: their documents, references and patients' records. */
  async prefetch(ops: readonly Operation[]): Promise<void> {
    this.#prefetched = await prefetchBatch(this, ops);
  }

  /** Loads what one op will look up, as its document stands now (usually loaded already). */
  async prefetchOp(op: Operation): Promise<void> {
    await prefetchOp(this, op, this.#prefetched);
  }

  /** Loads every immunization record of these patients (for the duplicate-dose flag). */
  async loadRecordsOfPatients(patientIds: readonly string[]): Promise<void> {
    const missing = this.patientsWithoutRecords(patientIds);
    if (missing.length === 0) return;
    const rows = await this.#store.allWhereIn('immunization_records', 'patientId', missing, [
      Query.isNotNull('syncState'),
    ]);
    for (const row of rows) {
      const key = documentKey('immunization_records', row.$id);
      if (!this.isLoaded(key)) this.remember(key, documentOfRow('immunization_records', row));
    }
    for (const id of missing) this.rememberRecordsOf(id);
  }
}
