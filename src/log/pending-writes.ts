/**
 * The rows an append transaction has produced and not written yet. Ops, visibility rows and
 * quarantined ops are written in multi-row statements (each shape compiled once:
 * `compiled-inserts.ts`); documents, their facilities and their conflict records are written once
 * per flush, from the documents' final states. Everything is written inside the append's
 * transaction, so a batch is durable entirely or not at all.
 *
 * Invariants:
 * 1. After `flush`, the store holds every row produced so far: queries that read the log
 *    itself (a transfer's reveal, a re-fold) flush first.
 * 2. Conflict rows are never deleted: a record that leaves a document's set is marked not live,
 *    so `resolve` can tell `stale` (it existed) from `not_found` (it never did).
 */
import type { Insertable, Kysely } from 'kysely';
import type { DocumentView } from '../domain/document-view.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { materialize } from '../projections/materialize.ts';
import { encodeState } from '../projections/state-codec.ts';
import type { CompiledInserts, InsertStatement } from './compiled-inserts.ts';
import { conflictChanges } from './conflict-changes.ts';
import type { CachedDocument, DocumentCache } from './document-cache.ts';
import { patientIdOf } from './document-scope.ts';
import type {
  ConflictsTable,
  DocumentFacilitiesTable,
  DocumentsTable,
  LogTables,
  OpsTable,
  QuarantineTable,
  VisibilityTable,
} from './log-tables.ts';

/** Splits rows so that a statement of `columns` columns stays under `maxParameters`. */
const batchesOf = <T>(rows: readonly T[], columns: number, maxParameters: number): T[][] => {
  const size = Math.max(1, Math.floor(maxParameters / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};

/** Columns per row of each table written in multi-row statements. */
const OPS_COLUMNS = 12;
const VISIBILITY_COLUMNS = 3;
const QUARANTINE_COLUMNS = 6;
const DOCUMENTS_COLUMNS = 9;
const DOCUMENT_FACILITIES_COLUMNS = 3;
const CONFLICTS_COLUMNS = 9;

const INSERT_OPS: InsertStatement<Insertable<OpsTable>> = {
  name: 'ops',
  build: (db, rows) => db.insertInto('ops').values(rows),
};

const INSERT_VISIBILITY: InsertStatement<Insertable<VisibilityTable>> = {
  name: 'visibility',
  build: (db, rows) =>
    db
      .insertInto('visibility')
      .values(rows)
      .onConflict((oc) => oc.doNothing()),
};

const INSERT_QUARANTINE: InsertStatement<Insertable<QuarantineTable>> = {
  name: 'quarantine',
  build: (db, rows) => db.insertInto('quarantine').values(rows),
};

/**
 * The `documents` upsert. `withPatient: false` leaves `patient_id` out of the update, for rows
 * whose stored patient is the new one: SQLite rewrites the entry of every index whose column an
 * UPDATE sets, changed or not, so setting it anyway dirties a page of `documents_patient` per
 * document (500 edits of patients: 617 WAL frames instead of 496).
 */
const upsertDocuments = (
  name: string,
  withPatient: boolean,
): InsertStatement<Insertable<DocumentsTable>> => ({
  name,
  build: (db, rows) =>
    db
      .insertInto('documents')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['collection', 'doc_id']).doUpdateSet((eb) => ({
          state: eb.ref('excluded.state'),
          data: eb.ref('excluded.data'),
          deleted: eb.ref('excluded.deleted'),
          ...(withPatient ? { patient_id: eb.ref('excluded.patient_id') } : {}),
          facilities: eb.ref('excluded.facilities'),
          last_position: eb.ref('excluded.last_position'),
        })),
      ),
});

const UPSERT_DOCUMENTS = upsertDocuments('documents', true);
const UPDATE_DOCUMENTS_SAME_PATIENT = upsertDocuments('documents of the same patient', false);

/** The materialized view `documentRowOf` writes: the cached one when there is one. */
const shownOf = (doc: CachedDocument): Pick<DocumentView, 'data' | 'deleted'> =>
  doc.view ?? materialize(doc.state);

/** The `patient_id` of a document's row. */
const rowPatientId = (doc: CachedDocument): string | null =>
  patientIdOf(doc.collection, shownOf(doc).data) ?? null;

const INSERT_DOCUMENT_FACILITIES: InsertStatement<Insertable<DocumentFacilitiesTable>> = {
  name: 'document_facilities',
  build: (db, rows) => db.insertInto('document_facilities').values(rows),
};

const UPSERT_CONFLICTS: InsertStatement<Insertable<ConflictsTable>> = {
  name: 'conflicts',
  build: (db, rows) =>
    db
      .insertInto('conflicts')
      .values(rows)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          status: eb.ref('excluded.status'),
          kind: eb.ref('excluded.kind'),
          current: eb.ref('excluded.current'),
          live: eb.ref('excluded.live'),
          record: eb.ref('excluded.record'),
          position: eb.ref('excluded.position'),
        })),
      ),
};

/** The `documents` row of a document's state. */
export const documentRowOf = (doc: CachedDocument): Insertable<DocumentsTable> => {
  // The cached view is `viewOf(state)`: the same fields, already materialized.
  const m = shownOf(doc);
  return {
    collection: doc.collection,
    doc_id: doc.docId,
    state: encodeState(doc.state),
    data: JSON.stringify(m.data),
    deleted: m.deleted ? 1 : 0,
    patient_id: patientIdOf(doc.collection, m.data) ?? null,
    facilities: JSON.stringify(doc.facilities),
    created_position: doc.createdPosition,
    last_position: doc.lastPosition,
  };
};

/** The `conflicts` row of a live record. */
export const conflictRowOf = (
  record: ConflictRecord,
  position: number,
): Insertable<ConflictsTable> => ({
  id: record.id,
  collection: record.collection,
  doc_id: record.docId,
  kind: record.kind,
  status: record.status,
  current: record.current ? 1 : 0,
  live: 1,
  record: JSON.stringify(record),
  position,
});

const sameFacilities = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  a !== undefined && a.length === b.length && a.every((f, i) => f === b[i]);

/** Rows produced by an append transaction, waiting for the next flush. */
export class PendingWrites {
  readonly #maxParameters: number;
  readonly #inserts: CompiledInserts;
  #ops: Insertable<OpsTable>[] = [];
  #visibility: Insertable<VisibilityTable>[] = [];
  #quarantine: Insertable<QuarantineTable>[] = [];

  constructor(maxParameters: number, inserts: CompiledInserts) {
    this.#maxParameters = maxParameters;
    this.#inserts = inserts;
  }

  addOp(row: Insertable<OpsTable>): void {
    this.#ops.push(row);
  }

  addVisibility(row: Insertable<VisibilityTable>): void {
    this.#visibility.push(row);
  }

  addQuarantine(row: Insertable<QuarantineTable>): void {
    this.#quarantine.push(row);
  }

  /** Writes everything produced so far, and the changed documents of `cache`. */
  async flush(db: Kysely<LogTables>, cache: DocumentCache): Promise<void> {
    const max = this.#maxParameters;
    const inserts = this.#inserts;
    for (const rows of batchesOf(this.#ops, OPS_COLUMNS, max)) {
      await inserts.run(db, INSERT_OPS, rows);
    }
    for (const rows of batchesOf(this.#visibility, VISIBILITY_COLUMNS, max)) {
      await inserts.run(db, INSERT_VISIBILITY, rows);
    }
    for (const rows of batchesOf(this.#quarantine, QUARANTINE_COLUMNS, max)) {
      await inserts.run(db, INSERT_QUARANTINE, rows);
    }
    this.#ops = [];
    this.#visibility = [];
    this.#quarantine = [];
    const dirty = cache.dirty();
    await writeDocuments(db, dirty, max, inserts);
    cache.markStored(dirty, (doc) => ({
      ...doc,
      storedFacilities: doc.facilities,
      storedPatientId: rowPatientId(doc),
      storedConflicts: conflictsOf(doc.state),
    }));
  }
}

/**
 * Writes documents' projection rows, their facilities where they changed, and the changes of
 * their conflict records.
 */
export const writeDocuments = async (
  db: Kysely<LogTables>,
  docs: readonly CachedDocument[],
  maxParameters: number,
  inserts: CompiledInserts,
): Promise<void> => {
  const moved: Insertable<DocumentsTable>[] = [];
  const samePatient: Insertable<DocumentsTable>[] = [];
  for (const doc of docs) {
    const row = documentRowOf(doc);
    const kept = doc.storedPatientId !== undefined && doc.storedPatientId === row.patient_id;
    (kept ? samePatient : moved).push(row);
  }
  for (const rows of batchesOf(samePatient, DOCUMENTS_COLUMNS, maxParameters)) {
    await inserts.run(db, UPDATE_DOCUMENTS_SAME_PATIENT, rows);
  }
  for (const rows of batchesOf(moved, DOCUMENTS_COLUMNS, maxParameters)) {
    await inserts.run(db, UPSERT_DOCUMENTS, rows);
  }

  const facilityRows: Insertable<DocumentFacilitiesTable>[] = [];
  for (const doc of docs) {
    if (sameFacilities(doc.storedFacilities, doc.facilities)) continue;
    if (doc.storedFacilities !== undefined && doc.storedFacilities.length > 0) {
      await db
        .deleteFrom('document_facilities')
        .where('collection', '=', doc.collection)
        .where('doc_id', '=', doc.docId)
        .execute();
    }
    for (const facility of new Set(doc.facilities)) {
      facilityRows.push({ facility_id: facility, collection: doc.collection, doc_id: doc.docId });
    }
  }
  for (const rows of batchesOf(facilityRows, DOCUMENT_FACILITIES_COLUMNS, maxParameters)) {
    await inserts.run(db, INSERT_DOCUMENT_FACILITIES, rows);
  }

  const upserts: Insertable<ConflictsTable>[] = [];
  const retired: string[] = [];
  for (const doc of docs) {
    const changes = conflictChanges(doc.storedConflicts, conflictsOf(doc.state));
    for (const record of changes.written) upserts.push(conflictRowOf(record, doc.lastPosition));
    retired.push(...changes.retired);
  }
  for (const rows of batchesOf(upserts, CONFLICTS_COLUMNS, maxParameters)) {
    await inserts.run(db, UPSERT_CONFLICTS, rows);
  }
  for (const ids of batchesOf(retired, 1, maxParameters - 1)) {
    await db.updateTable('conflicts').set({ live: 0 }).where('id', 'in', ids).execute();
  }
};
