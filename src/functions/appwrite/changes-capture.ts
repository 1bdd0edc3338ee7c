/**
 * Turning an edit made directly in Appwrite (the console, a back office writing rows with an
 * API key) into a server-class op (DESIGN.md section 7; PROTOCOL.md: device `server.appwrite`).
 *
 * Invariants:
 * 1. The projector's own writes are ignored (`isProjectorWrite`), and so are rows of tables
 *    that are not synced collections, and of another database.
 * 2. Only what the edit changed becomes an op: a created row is a `create` (an `update` of the
 *    changed fields if the log already has the document), an updated row an `update` of the
 *    fields whose value differs from the log's document, a `syncDeleted` flip a `delete` or a
 *    `restore`, a deleted row a `delete`. An edit that changes nothing appends nothing.
 * 3. The op is checked like any other (codecs, business rules); a rejected one is kept in the
 *    quarantine with its reason, so the edit's data is not lost.
 */
import * as E from 'fp-ts/lib/Either.js';
import { columnsOf } from '../../adapters/appwrite/appwrite-row.ts';
import { isProjectorWrite, rowData, withoutNulls } from '../../adapters/appwrite/projector-mark.ts';
import type { RowEvent } from '../../adapters/appwrite/row-event.ts';
import type { CollectionName, DocumentData } from '../../domain/collection.ts';
import { CollectionNameCodec } from '../../domain/collections.ts';
import type { DocumentView } from '../../domain/document-view.ts';
import { APPWRITE_DEVICE } from '../../domain/ids.ts';
import type { AppendResult, OperationLog, ServerOpDraft } from '../../log/operation-log.ts';
import { fold } from '../../projections/document-state.ts';
import { viewOf } from '../../projections/materialize.ts';
import { systemPrincipal } from '../system-principal.ts';

/** The author of captured edits: the system (server class). */
export const CAPTURE_AUTHOR = { userId: 'appwrite', role: 'system' } as const;

/** What the capture did with an event. */
export type CaptureOutcome =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'appended'; readonly draft: ServerOpDraft; readonly result: AppendResult };

/** The document as the log holds it now, or undefined if it was never created. */
const currentDocument = async (
  log: OperationLog,
  collection: CollectionName,
  docId: string,
): Promise<DocumentView | undefined> => {
  const ops = await log.documentOps(systemPrincipal('system', 'admin'), collection, docId);
  if (E.isLeft(ops)) {
    if (ops.left.code === 'not_found') return undefined;
    throw new Error(`cannot read ${collection}/${docId}: ${ops.left.message}`);
  }
  if (ops.right.length === 0) return undefined;
  return viewOf(fold(collection, docId, ops.right));
};

/** The fields of `row` whose value differs from the document's (a null column clears a field). */
const changedFields = (row: DocumentData, current: DocumentData): DocumentData => {
  const changed: Record<string, DocumentData[string]> = {};
  for (const [field, value] of Object.entries(row)) {
    const before = Object.hasOwn(current, field) ? current[field] : null;
    if (value !== before) changed[field] = value;
  }
  return changed;
};

/** The op an edit amounts to, or the reason it amounts to none (see invariant 2). */
const draftOf = (
  event: RowEvent,
  collection: CollectionName,
  columns: Readonly<Record<string, unknown>>,
  current: DocumentView | undefined,
): ServerOpDraft | string => {
  const docId = event.rowId;
  if (event.action === 'delete') {
    if (current === undefined || current.deleted) return 'the document is already gone';
    return { collection, docId, kind: 'delete' };
  }
  const data = rowData(collection, columns);
  if (data === undefined) return 'the row holds values no field can';
  if (current === undefined) return { collection, docId, kind: 'create', data: withoutNulls(data) };
  const deleted = columns.syncDeleted === true;
  if (deleted !== current.deleted)
    return { collection, docId, kind: deleted ? 'delete' : 'restore' };
  const changed = changedFields(data, current.data);
  if (Object.keys(changed).length === 0) return 'the edit changes no field';
  return { collection, docId, kind: 'update', data: changed };
};

/** Captures one row event into the log (see the module's invariants). */
export const captureRowEvent = async (
  log: OperationLog,
  databaseId: string,
  event: RowEvent,
  row: unknown,
): Promise<CaptureOutcome> => {
  if (event.databaseId !== databaseId) {
    return { kind: 'ignored', reason: `database ${event.databaseId} is not synced` };
  }
  const collection = CollectionNameCodec.decode(event.tableId);
  if (E.isLeft(collection)) {
    return { kind: 'ignored', reason: `table ${event.tableId} is not a synced collection` };
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    return { kind: 'ignored', reason: 'the event carries no row' };
  }
  const columns = columnsOf(row);
  if (event.action !== 'delete' && isProjectorWrite(collection.right, columns)) {
    return { kind: 'ignored', reason: "the projector's own write" };
  }
  const current = await currentDocument(log, collection.right, event.rowId);
  const draft = draftOf(event, collection.right, columns, current);
  if (typeof draft === 'string') return { kind: 'ignored', reason: draft };
  const appended = await log.appendAsServer(APPWRITE_DEVICE, CAPTURE_AUTHOR, [draft]);
  if (E.isLeft(appended)) throw new Error(`the capture was refused: ${appended.left.message}`);
  return { kind: 'appended', draft, result: appended.right };
};
