/**
 * The projected rows of the synced tables, as apps read them with Appwrite's SDKs (APPWRITE.md
 * section 5): one row per document, its data columns, the projector's columns (the cursor of
 * the op that last changed it, the tombstone, the digest that marks the write as the
 * projector's: `projector-mark.ts`), and read permission for its facilities' teams only (every
 * signed-in user for reference data).
 */
import { Permission, Query, Role, type TablesDB } from 'node-appwrite';
import type { CollectionName, DocumentData, FieldValue } from '../../domain/collection.ts';
import { ALL_FACILITIES } from '../../domain/principal.ts';
import { collectionColumns } from './appwrite-schema.ts';
import { projectorDigest, withoutNulls } from './projector-mark.ts';

/** A document as the projector writes it. */
export interface DocumentRow {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly data: DocumentData;
  readonly deleted: boolean;
  /** The cursor of the op that last changed the document. */
  readonly cursor: string;
  /** The facilities whose teams may read it (`*`: every signed-in user). */
  readonly facilities: readonly string[];
}

/** Writes projected rows, and finds the rows that follow a patient. */
export interface DocumentRowStore {
  write(row: DocumentRow): Promise<void>;
  /** The records and notifications whose `patientId` is the patient's. */
  followersOf(
    patientId: string,
  ): Promise<readonly { readonly collection: CollectionName; readonly docId: string }[]>;
}

/** The read permissions of a row of these facilities. */
export const readPermissions = (facilities: readonly string[]): string[] =>
  [...new Set(facilities)].map((facility) =>
    facility === ALL_FACILITIES
      ? Permission.read(Role.users())
      : Permission.read(Role.team(facility)),
  );

/** The columns of a document's row: every data column (null where it has no value), then the mark. */
export const rowColumns = (row: DocumentRow): Record<string, unknown> => {
  const data: Record<string, FieldValue> = {};
  for (const column of collectionColumns(row.collection))
    data[column.key] = row.data[column.key] ?? null;
  return {
    ...data,
    syncCursor: row.cursor,
    syncDeleted: row.deleted,
    syncDigest: projectorDigest(withoutNulls(data), row.deleted),
  };
};

const FOLLOWERS: readonly CollectionName[] = ['immunization_records', 'notifications'];
const PAGE = 100;

/** The store on TablesDB: one `upsertRow` per document. */
export const tablesDbDocumentRows = (tablesDb: TablesDB, databaseId: string): DocumentRowStore => ({
  write: async (row) => {
    await tablesDb.upsertRow({
      databaseId,
      tableId: row.collection,
      rowId: row.docId,
      data: rowColumns(row),
      permissions: readPermissions(row.facilities),
    });
  },
  followersOf: async (patientId) => {
    const found: { collection: CollectionName; docId: string }[] = [];
    for (const collection of FOLLOWERS) {
      let after: string | undefined;
      for (;;) {
        const page = await tablesDb.listRows({
          databaseId,
          tableId: collection,
          queries: [
            Query.equal('patientId', patientId),
            Query.select(['$id']),
            Query.limit(PAGE),
            ...(after === undefined ? [] : [Query.cursorAfter(after)]),
          ],
        });
        for (const row of page.rows) found.push({ collection, docId: row.$id });
        const last = page.rows.at(-1);
        if (page.rows.length < PAGE || last === undefined) break;
        after = last.$id;
      }
    }
    return found;
  },
});
