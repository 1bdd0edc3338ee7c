/**
 * The documents one append plan works on (the TablesDB counterpart of
 * `src/log/document-cache.ts`): loaded from the collections' rows once, then kept in memory as
 * the plan changes them, and staged at the end.
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
import {
  type DocumentLookup,
  type DocumentView,
  effectiveData,
  numberField,
  stringField,
} from '../../../domain/document-view.ts';
import type { Operation } from '../../../domain/operation.ts';
import { type DocumentRef, referencesOf } from '../../../domain/scope.ts';
import { type CachedDocument, newDocument } from '../../../log/document-cache.ts';
import { documentKey, referencesOfData } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { OPS_TABLE, readOpsRow } from './log-rows.ts';
import type { LogStore } from './log-store.ts';
import { documentOfOps, documentOfRow } from './projected-documents.ts';

/** The documents the rules and the scope of `op` look up (as `src/log/batch-prefetch.ts`). */
const lookedUpBy = (op: Operation, current: DocumentView | undefined): readonly DocumentRef[] => {
  const refs = [...referencesOf(op, current)];
  if (current !== undefined) refs.push(...referencesOfData(current.collection, current.data));
  return refs;
};

/** The patient of an immunization record op, whose other records the duplicate check reads. */
const patientOfRecord = (op: Operation, current: DocumentView | undefined): string | undefined =>
  op.collection === 'immunization_records'
    ? stringField(effectiveData(op, current), 'patientId')
    : undefined;

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
    const missing = new Map<CollectionName, Set<string>>();
    for (const ref of refs) {
      if (this.#docs.has(documentKey(ref.collection, ref.docId))) continue;
      const ids = missing.get(ref.collection) ?? new Set<string>();
      ids.add(ref.docId);
      missing.set(ref.collection, ids);
    }
    for (const [collection, ids] of missing) {
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
    await this.load(ops.map((op) => ({ collection: op.collection, docId: op.docId })));
    const refs: DocumentRef[] = [];
    const patients: string[] = [];
    for (const op of ops) {
      const current = this.get(op.collection, op.docId).view;
      refs.push(...lookedUpBy(op, current));
      const patientId = patientOfRecord(op, current);
      if (patientId !== undefined) patients.push(patientId);
    }
    await this.load(refs);
    await this.loadRecordsOfPatients(patients);
  }

  /** Loads what one op will look up, as its document stands now (usually loaded already). */
  async prefetchOp(op: Operation): Promise<void> {
    await this.load([{ collection: op.collection, docId: op.docId }]);
    const current = this.get(op.collection, op.docId).view;
    await this.load(lookedUpBy(op, current));
    const patientId = patientOfRecord(op, current);
    if (patientId !== undefined) await this.loadRecordsOfPatients([patientId]);
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
    const entry = this.#docs.get(documentKey(collection, docId));
    if (entry === undefined) {
      throw new Error(`bug: ${collection}/${docId} was looked up without being loaded first`);
    }
    return entry ?? newDocument(collection, docId);
  }

  /** Replaces a document by its new version, to be staged. */
  put(doc: CachedDocument): void {
    const key = documentKey(doc.collection, doc.docId);
    this.#set(key, doc);
    this.#dirty.add(key);
  }

  /** The documents the plan changed. */
  dirty(): readonly CachedDocument[] {
    const out: CachedDocument[] = [];
    for (const key of this.#dirty) {
      const doc = this.#docs.get(key);
      if (doc !== undefined && doc !== null) out.push(doc);
    }
    return out;
  }

  #set(key: string, doc: CachedDocument): void {
    this.#docs.set(key, doc);
    const view = doc.view;
    if (view === undefined || view.collection !== 'immunization_records') return;
    const patientId = stringField(view.data, 'patientId');
    if (patientId === undefined) return;
    const keys = this.#recordsByPatient.get(patientId) ?? new Set<string>();
    keys.add(key);
    this.#recordsByPatient.set(patientId, keys);
  }

  /** Synchronous look-ups for the rules and the scope, over the loaded documents. */
  lookup(userFacilities: (userId: string) => readonly string[]): DocumentLookup {
    return {
      document: (collection, docId) => this.get(collection, docId).view,
      userFacilities,
    };
  }

  /** True when another, not deleted record of the patient has the same vaccine and dose. */
  duplicateDose(patientId: string, vaccineId: string, doseNumber: number, docId: string): boolean {
    if (!this.#patientsWithRecords.has(patientId)) {
      throw new Error(`bug: the records of patient ${patientId} were not loaded`);
    }
    for (const key of this.#recordsByPatient.get(patientId) ?? []) {
      const view = this.#docs.get(key)?.view;
      if (view === undefined || view.collection !== 'immunization_records') continue;
      if (view.docId === docId || view.deleted) continue;
      if (
        stringField(view.data, 'patientId') === patientId &&
        stringField(view.data, 'vaccineId') === vaccineId &&
        numberField(view.data, 'doseNumber') === doseNumber
      ) {
        return true;
      }
    }
    return false;
  }
}
