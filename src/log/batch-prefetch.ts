/**
 * What an append loads before it checks ops: the rules and the scope look documents up
 * synchronously (`DocumentLookup`), so every document they may ask for is loaded into the batch's
 * `DocumentCache` first, for a whole batch in a few queries, then per op for whatever the batch
 * itself changed (a record moved to another patient, say).
 *
 * Invariants:
 * 1. What is loaded depends on the ops and the documents only, never on the store: the SQL
 *    log's `DocumentCache` and the TablesDB plan's `BatchDocuments` load the same references
 *    (`PrefetchDocuments`), each with its own reads.
 * 2. An op's own document is loaded before its references, which are read off it.
 * 3. `prefetchOp` loads nothing more for an op whose document's view is the one `prefetchBatch`
 *    read its references off (the same object: no op of the batch changed it since): those
 *    references and records are loaded already, and loads are never undone.
 */

import type { CollectionName } from '../domain/collection.ts';
import { type DocumentView, effectiveData, stringField } from '../domain/document-view.ts';
import { dataOf, type Operation } from '../domain/operation.ts';
import { type DocumentRef, referencesOf } from '../domain/scope.ts';
import type { CachedDocument } from './document-cache.ts';
import { referencesOfData } from './document-scope.ts';

/** The documents an append loads into, with the reads of its store. */
export interface PrefetchDocuments {
  /** Loads the documents not loaded yet. */
  load(refs: readonly DocumentRef[]): Promise<void>;
  /** Loads every immunization record of these patients (the duplicate-dose flag, births). */
  loadRecordsOfPatients(patientIds: readonly string[]): Promise<void>;
  /** A loaded document; throws if it was never loaded. */
  get(collection: CollectionName, docId: string): CachedDocument;
}

/** The documents the rules and the scope of `op` look up: by its fields and its document's. */
const lookedUpBy = (op: Operation, current: DocumentView | undefined): readonly DocumentRef[] => {
  const refs = [...referencesOf(op, current)];
  if (current !== undefined) refs.push(...referencesOfData(current.collection, current.data));
  return refs;
};

/**
 * The patient whose records the rules read for `op`: a record's (the duplicate-dose flag, its
 * other records), or a patient's own when the op sets its `dateOfBirth` (no dose before birth).
 */
const patientOfRecord = (op: Operation, current: DocumentView | undefined): string | undefined => {
  if (op.collection === 'immunization_records') {
    return stringField(effectiveData(op, current), 'patientId');
  }
  if (op.collection === 'patients' && Object.hasOwn(dataOf(op), 'dateOfBirth')) return op.docId;
  return undefined;
};

/** The view of each op's document that `prefetchBatch` read the op's references off. */
export type PrefetchedViews = ReadonlyMap<Operation, DocumentView | undefined>;

/**
 * Loads what the ops of a batch will look up: their documents, references and patients'
 * records. Answers the views it read them off, for `prefetchOp` (invariant 3).
 */
export const prefetchBatch = async (
  cache: PrefetchDocuments,
  ops: readonly Operation[],
): Promise<PrefetchedViews> => {
  await cache.load(ops.map((op) => ({ collection: op.collection, docId: op.docId })));
  const refs: DocumentRef[] = [];
  const patients: string[] = [];
  const views = new Map<Operation, DocumentView | undefined>();
  for (const op of ops) {
    const current = cache.get(op.collection, op.docId).view;
    views.set(op, current);
    refs.push(...lookedUpBy(op, current));
    const patientId = patientOfRecord(op, current);
    if (patientId !== undefined) patients.push(patientId);
  }
  await cache.load(refs);
  await cache.loadRecordsOfPatients(patients);
  return views;
};

/**
 * Loads what one op will look up, as its document stands now (usually from the cache);
 * nothing when `prefetched` read them off this very view (invariant 3).
 */
export const prefetchOp = async (
  cache: PrefetchDocuments,
  op: Operation,
  prefetched?: PrefetchedViews,
): Promise<void> => {
  await cache.load([{ collection: op.collection, docId: op.docId }]);
  const current = cache.get(op.collection, op.docId).view;
  if (prefetched?.has(op) === true && prefetched.get(op) === current) return;
  await cache.load(lookedUpBy(op, current));
  const patientId = patientOfRecord(op, current);
  if (patientId !== undefined) await cache.loadRecordsOfPatients([patientId]);
};
