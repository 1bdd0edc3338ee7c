/**
 * The documents one append transaction works on, loaded from the projection once and then kept
 * in memory as the batch changes them. The business rules and the scope take synchronous
 * look-ups (`DocumentLookup`), so the append loads what `referencesOf` names first and the
 * look-ups answer from here, earlier ops of the same batch included.
 *
 * Invariants:
 * 1. A look-up of a document that was never loaded is a bug (a missing prefetch), never a
 *    silent "does not exist": it throws.
 * 2. An entry is the document as the batch has made it; `dirty` entries are written back by
 *    `PendingWrites.flush`, in the same transaction.
 * 3. `storedConflicts`, `storedFacilities` and `storedPatientId` are what the store holds, so a
 *    flush writes only what changed.
 * 4. The in-memory part (`loadedDocument`, `missingByCollection`, `documentsAt`, `indexRecord`,
 *    `hasDuplicateDose`, `documentLookupOf`) is pure and storage-free: the TablesDB plan's
 *    documents use the same functions over their own reads.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import type { DocumentLookup, DocumentView } from '../domain/document-view.ts';
import { numberField, stringField } from '../domain/document-view.ts';
import type { DocumentRef } from '../domain/scope.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { type DocumentState, emptyState } from '../projections/document-state.ts';
import { viewOf } from '../projections/materialize.ts';
import { decodeState } from '../projections/state-codec.ts';
import { documentKey } from './document-scope.ts';
import type { LogTables } from './log-tables.ts';
import { CorruptRowError, FacilityIds, readJsonText } from './stored-json.ts';

/** One document as the batch sees it. */
export interface CachedDocument {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly state: DocumentState;
  /** `viewOf(state)`: what rules, scope and permissions take as `current`. */
  readonly view: DocumentView | undefined;
  /** The document's own facilities (see `document-scope.ts`). */
  readonly facilities: readonly string[];
  /** The own facilities the store holds (undefined: no row yet). */
  readonly storedFacilities: readonly string[] | undefined;
  /** The `patient_id` the store's row holds (undefined: no row yet, or not known). */
  readonly storedPatientId: string | null | undefined;
  /** The live conflict records the store holds. */
  readonly storedConflicts: readonly ConflictRecord[];
  readonly createdPosition: number;
  readonly lastPosition: number;
  /** The scope of its latest op. */
  readonly lastScope: readonly string[];
}

/** A document that has no op yet. */
export const newDocument = (collection: CollectionName, docId: string): CachedDocument => {
  const state = emptyState(collection, docId);
  return {
    collection,
    docId,
    state,
    view: undefined,
    facilities: [],
    storedFacilities: undefined,
    storedPatientId: undefined,
    storedConflicts: [],
    createdPosition: 0,
    lastPosition: 0,
    lastScope: [],
  };
};

type DocumentRow = {
  readonly collection: string;
  readonly doc_id: string;
  readonly state: string;
  /** Absent where the store keeps no such column (TablesDB): not known. */
  readonly patient_id?: string | null;
  readonly facilities: string;
  readonly created_position: number;
  readonly last_position: number;
};

/** Turns a stored row into a cache entry; throws `CorruptRowError` for a row that does not decode. */
export const cachedDocumentOf = (row: DocumentRow): CachedDocument => {
  const what = `document ${row.collection}/${row.doc_id}`;
  const collection = CollectionNameCodec.decode(row.collection);
  if (E.isLeft(collection)) throw new CorruptRowError(what, 'unknown collection');
  const state = decodeState(row.state);
  if (E.isLeft(state)) throw new CorruptRowError(what, state.left.message);
  const facilities = readJsonText(FacilityIds, row.facilities, `facilities of ${what}`);
  return {
    collection: collection.right,
    docId: row.doc_id,
    state: state.right,
    view: viewOf(state.right),
    facilities,
    storedFacilities: facilities,
    storedPatientId: row.patient_id,
    storedConflicts: conflictsOf(state.right),
    createdPosition: row.created_position,
    lastPosition: row.last_position,
    lastScope: facilities,
  };
};

/** What an append's documents hold, by `documentKey`; `null`: loaded, and the store has none. */
type LoadedDocuments = ReadonlyMap<string, CachedDocument | null>;

/** The referenced documents not loaded yet, by collection (each id once). */
const missingByCollection = (
  docs: LoadedDocuments,
  refs: readonly DocumentRef[],
): Map<CollectionName, Set<string>> => {
  const missing = new Map<CollectionName, Set<string>>();
  for (const ref of refs) {
    if (docs.has(documentKey(ref.collection, ref.docId))) continue;
    const ids = missing.get(ref.collection) ?? new Set<string>();
    ids.add(ref.docId);
    missing.set(ref.collection, ids);
  }
  return missing;
};

/**
 * The documents an append works on, in memory: loaded once from the store (by a backend's
 * subclass: `DocumentCache` here, the TablesDB log's `BatchDocuments`), then changed as the ops
 * are applied, and written at the end. Both backends share this part, so the look-ups, the
 * changed set and the duplicate-dose index are the same whichever store loaded them.
 *
 * Invariants:
 * 1. A look-up of a document that was never loaded is a bug, never a silent "does not exist".
 * 2. Every immunization record loaded or put is indexed under each patient it has had, so
 *    the duplicate-dose and birth checks read a patient's records only; they throw if that
 *    patient's records were never loaded.
 */
export class LoadedDocumentSet {
  /** `null`: loaded, and the store has no such document. */
  readonly #docs = new Map<string, CachedDocument | null>();
  readonly #dirty = new Set<string>();
  readonly #patientsWithRecords = new Set<string>();
  /**
   * The keys of every immunization record that has had the patient as `patientId` here (a
   * superset of its records now: `duplicateDose` checks each entry's current view).
   */
  readonly #recordsByPatient = new Map<string, Set<string>>();

  /** True when the document at `key` was loaded (found or not). */
  protected isLoaded(key: string): boolean {
    return this.#docs.has(key);
  }

  /** The referenced documents not loaded yet, by collection (each id once). */
  protected missing(refs: readonly DocumentRef[]): Map<CollectionName, Set<string>> {
    return missingByCollection(this.#docs, refs);
  }

  /** Holds a document as loaded, and indexes an immunization record under its patient. */
  protected remember(key: string, doc: CachedDocument): void {
    this.#docs.set(key, doc);
    if (doc.view === undefined || doc.view.collection !== 'immunization_records') return;
    const patientId = stringField(doc.view.data, 'patientId');
    if (patientId === undefined) return;
    const keys = this.#recordsByPatient.get(patientId) ?? new Set<string>();
    keys.add(key);
    this.#recordsByPatient.set(patientId, keys);
  }

  /** Records that the store has no document at `key` (unless one was loaded meanwhile). */
  protected rememberAbsent(key: string): void {
    if (!this.#docs.has(key)) this.#docs.set(key, null);
  }

  /** The patients among `patientIds` whose records are not loaded yet (each once). */
  protected patientsWithoutRecords(patientIds: readonly string[]): string[] {
    return [...new Set(patientIds)].filter((id) => !this.#patientsWithRecords.has(id));
  }

  /** Records that every immunization record of the patient is loaded. */
  protected rememberRecordsOf(patientId: string): void {
    this.#patientsWithRecords.add(patientId);
  }

  /** The document (a new, empty one if the store has none); throws if it was never loaded. */
  get(collection: CollectionName, docId: string): CachedDocument {
    const entry = this.#docs.get(documentKey(collection, docId));
    if (entry === undefined) {
      throw new Error(`bug: ${collection}/${docId} was looked up without being loaded first`);
    }
    return entry ?? newDocument(collection, docId);
  }

  /** Replaces a document by its new version, to be written at the next flush. */
  put(doc: CachedDocument): void {
    const key = documentKey(doc.collection, doc.docId);
    this.remember(key, doc);
    this.#dirty.add(key);
  }

  /** The documents changed since the last flush, in the order they were first changed. */
  dirty(): readonly CachedDocument[] {
    const out: CachedDocument[] = [];
    for (const key of this.#dirty) {
      const doc = this.#docs.get(key);
      if (doc !== undefined && doc !== null) out.push(doc);
    }
    return out;
  }

  /** Records that the store now holds these documents as they are. */
  markStored(
    docs: readonly CachedDocument[],
    stored: (doc: CachedDocument) => CachedDocument,
  ): void {
    for (const doc of docs) {
      const key = documentKey(doc.collection, doc.docId);
      this.remember(key, stored(doc));
      this.#dirty.delete(key);
    }
  }

  /** Synchronous look-ups for the rules and the scope, over the loaded documents. */
  lookup(userFacilities: (userId: string) => readonly string[]): DocumentLookup {
    return {
      document: (collection, docId) => this.get(collection, docId).view,
      userFacilities,
    };
  }

  /**
   * The patient's immunization records that are not deleted, as the batch has made them; throws
   * if the records of the patient were not loaded (a bug).
   */
  recordsOf(patientId: string): readonly DocumentView[] {
    if (!this.#patientsWithRecords.has(patientId)) {
      throw new Error(`bug: the records of patient ${patientId} were not loaded`);
    }
    const records: DocumentView[] = [];
    for (const key of this.#recordsByPatient.get(patientId) ?? []) {
      const view = this.#docs.get(key)?.view;
      if (view === undefined || view.collection !== 'immunization_records' || view.deleted) {
        continue;
      }
      if (stringField(view.data, 'patientId') === patientId) records.push(view);
    }
    return records;
  }

  /**
   * True when another, not deleted immunization record of the patient has the same vaccine and
   * dose; throws if the records of the patient were not loaded (a bug).
   */
  duplicateDose(patientId: string, vaccineId: string, doseNumber: number, docId: string): boolean {
    return this.recordsOf(patientId).some(
      (view) =>
        view.docId !== docId &&
        stringField(view.data, 'vaccineId') === vaccineId &&
        numberField(view.data, 'doseNumber') === doseNumber,
    );
  }
}

const CHUNK = 400;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/** The columns of a `documents` row that `cachedDocumentOf` reads. */
const CACHED_COLUMNS = [
  'collection',
  'doc_id',
  'state',
  'patient_id',
  'facilities',
  'created_position',
  'last_position',
] as const;

/** The documents of one append transaction, loaded from the SQL log's `documents` table. */
export class DocumentCache extends LoadedDocumentSet {
  readonly #db: Kysely<LogTables>;

  constructor(db: Kysely<LogTables>) {
    super();
    this.#db = db;
  }

  /** Loads the documents not loaded yet (one query per collection and chunk). */
  async load(refs: readonly DocumentRef[]): Promise<void> {
    // Most look-ups of an append find everything loaded already: no query, no bookkeeping.
    if (refs.every((ref) => this.isLoaded(documentKey(ref.collection, ref.docId)))) return;
    for (const [collection, ids] of this.missing(refs)) {
      for (const part of chunks([...ids], CHUNK)) {
        const rows = await this.#db
          .selectFrom('documents')
          .select(CACHED_COLUMNS)
          .where('collection', '=', collection)
          .where('doc_id', 'in', part)
          .execute();
        for (const row of rows)
          this.remember(documentKey(row.collection, row.doc_id), cachedDocumentOf(row));
        for (const docId of part) this.rememberAbsent(documentKey(collection, docId));
      }
    }
  }

  /** Loads every immunization record of these patients (for the duplicate-dose flag). */
  async loadRecordsOfPatients(patientIds: readonly string[]): Promise<void> {
    const missing = this.patientsWithoutRecords(patientIds);
    for (const part of chunks(missing, CHUNK)) {
      const rows = await this.#db
        .selectFrom('documents')
        .select(CACHED_COLUMNS)
        .where('patient_id', 'in', part)
        .where('collection', '=', 'immunization_records')
        .execute();
      for (const row of rows) {
        const key = documentKey(row.collection, row.doc_id);
        if (!this.isLoaded(key)) this.remember(key, cachedDocumentOf(row));
      }
      for (const id of part) this.rememberRecordsOf(id);
    }
  }
}
