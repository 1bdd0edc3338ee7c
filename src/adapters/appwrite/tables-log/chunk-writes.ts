/**
 * The rows a chunk's plan stages, from what the plan produced: ops, visibility and quarantine
 * rows, the changed documents' rows and conflict records, the device's row, and the sync-heads
 * rows that poke the facilities that can see the chunk's ops (APPWRITE.md section 4).
 *
 * Invariants:
 * 1. Documents and conflict records are staged once per chunk, from their final state.
 * 2. Conflict rows are never deleted: a record that leaves its document's set is marked not
 *    live, so `resolve` can tell `stale` (it existed) from `not_found` (it never did).
 * 3. Sync-heads rows are staged only by a chunk that appends, with the chunk's new head.
 */
import type { DocumentLookup } from '../../../domain/document-view.ts';
import { conflictChanges } from '../../../log/conflict-changes.ts';
import { encodeCursor, positionOf } from '../../../log/cursor.ts';
import type { CachedDocument } from '../../../log/document-cache.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type { OpRow } from '../../../log/op-rows.ts';
import type { ConflictRecord } from '../../../projections/conflict-record.ts';
import { conflictsOf } from '../../../projections/conflicts.ts';
import { SYNC_HEADS_TABLE } from '../appwrite-schema.ts';
import type { StagedWrite } from '../log-head-transaction.ts';
import { headsRowOf } from '../sync-heads-store.ts';
import {
  CONFLICTS_TABLE,
  OPS_TABLE,
  opRowId,
  opsColumnsOf,
  VISIBILITY_TABLE,
  visibilityRowId,
} from './log-rows.ts';
import { documentWrite } from './projected-documents.ts';

/** What a plan produced. */
export interface PlannedRows {
  readonly ops: readonly OpRow[];
  readonly visibility: readonly {
    readonly facility: string;
    readonly at: number;
    readonly revealed: ReadonlySet<number>;
  }[];
  readonly quarantine: readonly StagedWrite[];
  readonly documents: readonly CachedDocument[];
  /** Look-ups over the plan's documents (a record's row is readable where its patient is). */
  readonly lookup: DocumentLookup;
  readonly device: StagedWrite;
  /** The chunk's head and the facilities that can see its ops (undefined: nothing appended). */
  readonly heads: { readonly position: number; readonly facilities: readonly string[] } | undefined;
}

/** The upsert of a live conflict record. */
export const conflictWrite = (record: ConflictRecord, position: number): StagedWrite => ({
  action: 'upsert',
  tableId: CONFLICTS_TABLE,
  rowId: record.id,
  data: {
    collection: record.collection,
    docId: record.docId,
    kind: record.kind,
    status: record.status,
    current: record.current,
    live: true,
    record: JSON.stringify(record),
    position,
  },
});

/** The changes of a document's conflict records since the store last held it. */
const conflictWrites = (doc: CachedDocument): StagedWrite[] => {
  const changes = conflictChanges(doc.storedConflicts, conflictsOf(doc.state));
  const writes = changes.written.map((record) => conflictWrite(record, doc.lastPosition));
  for (const id of changes.retired) {
    writes.push({ action: 'update', tableId: CONFLICTS_TABLE, rowId: id, data: { live: false } });
  }
  return writes;
};

/** Every row a chunk stages (see the module's invariants). */
export const stagedWritesOf = (identity: LogIdentity, rows: PlannedRows): StagedWrite[] => {
  const writes: StagedWrite[] = [];
  for (const row of rows.ops) {
    writes.push({
      action: 'create',
      tableId: OPS_TABLE,
      rowId: opRowId(row.position),
      data: opsColumnsOf(row),
    });
  }
  for (const row of rows.visibility) {
    const revealed = [...row.revealed].sort((a, b) => a - b);
    writes.push({
      action: 'create',
      tableId: VISIBILITY_TABLE,
      rowId: visibilityRowId(row.facility, row.at),
      data: {
        facilityId: row.facility,
        atPosition: row.at,
        opPosition: row.at,
        revealed: revealed.length === 0 ? null : JSON.stringify(revealed),
      },
    });
  }
  writes.push(...rows.quarantine);
  for (const doc of rows.documents) {
    writes.push(documentWrite(identity, doc, rows.lookup), ...conflictWrites(doc));
  }
  writes.push(rows.device);
  if (rows.heads !== undefined) {
    const head = encodeCursor(identity, positionOf(rows.heads.position));
    for (const facility of rows.heads.facilities) {
      const { rowId, permissions } = headsRowOf(facility);
      writes.push({
        action: 'upsert',
        tableId: SYNC_HEADS_TABLE.id,
        rowId,
        data: { facilityId: facility, head },
        permissions,
      });
    }
  }
  return writes;
};
