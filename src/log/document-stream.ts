/**
 * Streams the log document by document (for `verify` and `replay`): the ops of each document in
 * position order, read in pages so that memory stays flat however long the log is.
 */
import type { Kysely } from 'kysely';
import type { LogTables } from './log-tables.ts';
import type { OpRow } from './op-rows.ts';

/** The ops of one document, up to the stream's bound. */
export interface DocumentOps {
  readonly collection: string;
  readonly docId: string;
  readonly rows: readonly OpRow[];
}

/**
 * Calls `visit` once per document that has ops at or below `upTo`, in (collection, docId)
 * order, with its ops in position order.
 */
export const forEachDocument = async (
  db: Kysely<LogTables>,
  upTo: number,
  visit: (doc: DocumentOps) => Promise<void>,
  pageSize = 5000,
): Promise<void> => {
  let last: { collection: string; docId: string; position: number } | undefined;
  let pending: { collection: string; docId: string; rows: OpRow[] } | undefined;
  for (;;) {
    let query = db.selectFrom('ops').selectAll().where('position', '<=', upTo);
    if (last !== undefined) {
      const { collection, docId, position } = last;
      query = query.where((eb) =>
        eb.or([
          eb('collection', '>', collection),
          eb.and([
            eb('collection', '=', collection),
            eb.or([
              eb('doc_id', '>', docId),
              eb.and([eb('doc_id', '=', docId), eb('position', '>', position)]),
            ]),
          ]),
        ]),
      );
    }
    const rows = await query
      .orderBy('collection')
      .orderBy('doc_id')
      .orderBy('position')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      if (
        pending !== undefined &&
        pending.collection === row.collection &&
        pending.docId === row.doc_id
      ) {
        pending.rows.push(row);
      } else {
        if (pending !== undefined) await visit(pending);
        pending = { collection: row.collection, docId: row.doc_id, rows: [row] };
      }
    }
    const tail = rows.at(-1);
    if (tail === undefined || rows.length < pageSize) break;
    last = { collection: tail.collection, docId: tail.doc_id, position: tail.position };
  }
  if (pending !== undefined) await visit(pending);
};
