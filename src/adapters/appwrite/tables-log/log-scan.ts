/**
 * Whole-log scans for `verify` and `replay` on TablesDB: every op row up to a position, read by
 * the `position` column in pages of 5000, grouped by document in position order.
 *
 * Unlike the SQL log's `document-stream.ts`, the scan holds the ops in memory (TablesDB cannot
 * order by (collection, docId, position) across pages as cheaply), so its memory grows with
 * the log: these are operators' tools, run rarely.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import { documentKey } from '../../../log/document-scope.ts';
import type { OpRow } from '../../../log/op-rows.ts';
import { OPS_TABLE, opRowOfColumns } from './log-rows.ts';
import type { LogStore } from './log-store.ts';

/** An op row that does not decode, with its row id. */
export interface UnreadableOpRow {
  readonly rowId: string;
  readonly detail: string;
}

/** The ops of one document, in position order. */
export interface DocumentOps {
  readonly collection: string;
  readonly docId: string;
  readonly rows: readonly OpRow[];
}

/** Every op row up to `upTo`, in position order, and the rows that do not decode. */
export const scanOps = async (
  store: LogStore,
  upTo: number,
): Promise<{
  readonly rows: readonly OpRow[];
  readonly unreadable: readonly UnreadableOpRow[];
}> => {
  const raws = await store.all(OPS_TABLE, [
    Query.lessThanEqual('position', upTo),
    Query.orderAsc('position'),
  ]);
  const rows: OpRow[] = [];
  const unreadable: UnreadableOpRow[] = [];
  for (const raw of raws) {
    const row = opRowOfColumns(raw);
    if (E.isLeft(row)) unreadable.push({ rowId: raw.$id, detail: row.left });
    else rows.push(row.right);
  }
  return { rows, unreadable };
};

/** The rows grouped by document, in (collection, docId) order, each in position order. */
export const byDocument = (rows: readonly OpRow[]): readonly DocumentOps[] => {
  const docs = new Map<string, { collection: string; docId: string; rows: OpRow[] }>();
  for (const row of rows) {
    const key = documentKey(row.collection, row.doc_id);
    const doc = docs.get(key) ?? { collection: row.collection, docId: row.doc_id, rows: [] };
    doc.rows.push(row);
    docs.set(key, doc);
  }
  return [...docs.values()].sort((a, b) =>
    a.collection !== b.collection
      ? a.collection < b.collection
        ? -1
        : 1
      : a.docId < b.docId
        ? -1
        : a.docId > b.docId
          ? 1
          : 0,
  );
};
