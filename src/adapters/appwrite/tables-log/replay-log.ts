/**
 * Replay on TablesDB (the semantics are `src/log/replay.ts`'s): rebuilds every document's row
 * and conflict records from the log, up to a cursor or the head.
 *
 * Invariants:
 * 1. Everything written is derived from the op rows: a document's row is upserted from the fold
 *    of its ops; a row of a document that has no op up to the bound is deleted; conflict rows
 *    are never deleted, only marked not live, and the derived ones made live.
 * 2. Unlike the SQL log's, a replay is not one transaction (TablesDB's transactions hold 100
 *    operations): it writes row by row, outside the head row, so appends that commit during a
 *    replay may be overwritten by it. Run it while the service is stopped, as an operator's
 *    tool; `verify` tells whether the projection matches the log afterwards.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import type { CollectionName } from '../../../domain/collection.ts';
import { COLLECTION_NAMES, CollectionNameCodec } from '../../../domain/collections.ts';
import type { DocumentLookup, DocumentView } from '../../../domain/document-view.ts';
import { canonicalJson } from '../../../log/canonical-json.ts';
import { decodeCursor } from '../../../log/cursor.ts';
import type { CachedDocument } from '../../../log/document-cache.ts';
import { documentKey } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type { Progress } from '../../../log/operation-log.ts';
import { conflictsOf } from '../../../projections/conflicts.ts';
import type { StagedWrite } from '../log-head-transaction.ts';
import { conflictWrite } from './chunk-writes.ts';
import { CONFLICTS_TABLE, ConflictsRowCodec, decodeRow } from './log-rows.ts';
import { byDocument, scanOps } from './log-scan.ts';
import type { LogStore } from './log-store.ts';
import { documentOfOps, documentWrite } from './projected-documents.ts';
import { headOf } from './pull-reads.ts';

/** Writes one row outside any transaction. */
const writeRow = async (store: LogStore, write: StagedWrite): Promise<void> => {
  const base = { databaseId: store.databaseId, tableId: write.tableId, rowId: write.rowId };
  const permissions =
    write.permissions === undefined ? {} : { permissions: [...write.permissions] };
  if (write.action === 'update') {
    await store.tablesDb.updateRow({ ...base, data: { ...write.data }, ...permissions });
  } else {
    await store.tablesDb.upsertRow({ ...base, data: { ...write.data }, ...permissions });
  }
};

/** Rebuilds the projections from the log, up to `asOf` (default: the head). */
export const replayLog = async (
  store: LogStore,
  identity: LogIdentity,
  userFacilities: (userId: string) => readonly string[],
  asOf: string | undefined,
  progress?: Progress,
): Promise<{ readonly documents: number; readonly ops: number }> => {
  const head = await headOf(store);
  let upTo = head;
  if (asOf !== undefined) {
    const position = decodeCursor(identity, asOf, head);
    if (E.isLeft(position))
      throw new Error(`cannot replay as of that cursor: ${position.left.message}`);
    upTo = position.right.at;
  }
  const { rows } = await scanOps(store, upTo);
  const derived = new Map<string, CachedDocument>();
  let ops = 0;
  for (const { collection: name, docId, rows: docRows } of byDocument(rows)) {
    const collection = CollectionNameCodec.decode(name);
    if (E.isLeft(collection)) throw new Error(`the log holds an op of unknown collection ${name}`);
    derived.set(
      documentKey(name, docId),
      documentOfOps(identity, collection.right, docId, docRows),
    );
    ops += docRows.length;
    progress?.(ops, upTo);
  }
  const lookup: DocumentLookup = {
    document: (collection: CollectionName, docId: string): DocumentView | undefined =>
      derived.get(documentKey(collection, docId))?.view,
    userFacilities,
  };

  for (const collection of COLLECTION_NAMES) {
    for (const row of await store.all(collection, [Query.isNotNull('syncState')])) {
      if (derived.has(documentKey(collection, row.$id))) continue;
      await store.tablesDb.deleteRow({
        databaseId: store.databaseId,
        tableId: collection,
        rowId: row.$id,
      });
    }
  }
  const records = new Map<string, string>();
  for (const doc of derived.values()) {
    await writeRow(store, documentWrite(identity, doc, lookup));
    for (const record of conflictsOf(doc.state)) records.set(record.id, canonicalJson(record));
  }
  const live = await store.all(CONFLICTS_TABLE, [Query.equal('live', true)]);
  for (const raw of live) {
    const row = decodeRow(ConflictsRowCodec, raw, `conflict ${raw.$id}`);
    if (!records.has(row.$id)) {
      await writeRow(store, {
        action: 'update',
        tableId: CONFLICTS_TABLE,
        rowId: row.$id,
        data: { live: false },
      });
    }
  }
  for (const doc of derived.values()) {
    for (const record of conflictsOf(doc.state)) {
      await writeRow(store, conflictWrite(record, doc.lastPosition));
    }
  }
  return { documents: derived.size, ops };
};
