/**
 * Documents as the TablesDB log keeps them: one row per document in its collection's table
 * (the row apps read, `document-rows.ts`), whose log columns hold the reducer state, the
 * document's own facilities and the positions of its first and latest op.
 *
 * Invariants:
 * 1. A row's data columns, tombstone and cursor are the materialization of its `syncState`:
 *    both are written together, from one state, in the append's transaction.
 * 2. Read permission goes to the teams of the facilities the document is visible to when it is
 *    written (its own, or its patient's), every signed-in user for reference data.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Models } from 'node-appwrite';
import type { CollectionName } from '../../../domain/collection.ts';
import type { DocumentLookup } from '../../../domain/document-view.ts';
import { encodeCursor, positionOf } from '../../../log/cursor.ts';
import { type CachedDocument, cachedDocumentOf } from '../../../log/document-cache.ts';
import { currentFacilitiesOf, ownFacilitiesOf } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import { type OpRow, readOpRow } from '../../../log/op-rows.ts';
import { fold } from '../../../projections/document-state.ts';
import { materialize, viewOf } from '../../../projections/materialize.ts';
import { encodeState } from '../../../projections/state-codec.ts';
import { readPermissions, rowColumns } from '../document-rows.ts';
import type { StagedWrite } from '../log-head-transaction.ts';
import { decodeRow, ProjectedRowCodec } from './log-rows.ts';

/** The cache entry of a stored row; throws `CorruptRowError` when its log columns do not decode. */
export const documentOfRow = (
  collection: CollectionName,
  row: Models.DefaultRow,
): CachedDocument => {
  const what = `document ${collection}/${row.$id}`;
  const r = decodeRow(ProjectedRowCodec, row, what);
  return cachedDocumentOf({
    collection,
    doc_id: r.$id,
    state: r.syncState,
    facilities: JSON.stringify(r.syncFacilities),
    created_position: r.syncCreated,
    last_position: r.syncPosition,
  });
};

/**
 * The document as its op rows (in position order, at least one) make it: the fold of its ops,
 * for a replay, or for a document whose row was lost (deleted in the console).
 */
export const documentOfOps = (
  identity: LogIdentity,
  collection: CollectionName,
  docId: string,
  rows: readonly OpRow[],
): CachedDocument => {
  const logged = rows.map((row) => readOpRow(identity, row));
  const state = fold(collection, docId, logged);
  const view = viewOf(state);
  const lastScope = logged.at(-1)?.scope ?? [];
  return {
    collection,
    docId,
    state,
    view,
    facilities: ownFacilitiesOf(collection, view?.data ?? {}, lastScope),
    storedFacilities: undefined,
    storedPatientId: undefined,
    storedConflicts: [],
    createdPosition: rows[0]?.position ?? 0,
    lastPosition: rows.at(-1)?.position ?? 0,
    lastScope,
  };
};

/** The stored row's log columns, or why they do not decode (for `verify`). */
export const projectedColumnsOf = (
  row: Models.DefaultRow,
): E.Either<
  string,
  { readonly state: string; readonly deleted: boolean; readonly facilities: readonly string[] }
> => {
  const decoded = ProjectedRowCodec.decode(row);
  if (E.isLeft(decoded)) return E.left('the log columns of the row do not decode');
  return E.right({
    state: decoded.right.syncState,
    deleted: decoded.right.syncDeleted,
    facilities: decoded.right.syncFacilities,
  });
};

/** The upsert of a document's row (see the module's invariants). */
export const documentWrite = (
  identity: LogIdentity,
  doc: CachedDocument,
  lookup: DocumentLookup,
): StagedWrite => {
  const m = materialize(doc.state);
  const visibleTo =
    doc.view === undefined ? doc.facilities : currentFacilitiesOf(doc.view, doc.facilities, lookup);
  return {
    action: 'upsert',
    tableId: doc.collection,
    rowId: doc.docId,
    data: {
      ...rowColumns({
        collection: doc.collection,
        docId: doc.docId,
        data: m.data,
        deleted: m.deleted,
        cursor: encodeCursor(identity, positionOf(doc.lastPosition)),
        facilities: visibleTo,
      }),
      syncState: encodeState(doc.state),
      syncFacilities: [...doc.facilities],
      syncCreated: doc.createdPosition,
      syncPosition: doc.lastPosition,
    },
    permissions: readPermissions(visibleTo),
  };
};
