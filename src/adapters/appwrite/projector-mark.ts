/**
 * The mark of the projector's own writes on a projected row (APPWRITE.md section 6: Appwrite
 * triggers a function for every write, its own included, and every API key looks alike).
 *
 * The projector writes, with a document's columns, `syncCursor` (the cursor of the op that
 * wrote the row), `syncDeleted`, and `syncDigest`: the SHA-256 of the canonical JSON of the
 * data columns and the tombstone. A row is the projector's write when it carries a cursor and its
 * current columns still have that digest. A console or back-office edit keeps the old cursor and
 * digest but changes the columns, so it is not mistaken for one.
 */
import { createHash } from 'node:crypto';
import type { CollectionName, DocumentData, FieldValue } from '../../domain/collection.ts';
import { canonicalJson } from '../../log/canonical-json.ts';
import { collectionColumns } from './appwrite-schema.ts';

/** The digest of a document's columns as the projector writes them. */
export const projectorDigest = (data: DocumentData, deleted: boolean): string =>
  createHash('sha256').update(canonicalJson({ data, deleted })).digest('hex');

const isFieldValue = (value: unknown): value is FieldValue =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));

/**
 * The document fields of a row: its collection's data columns, `null` for a missing one, and
 * `undefined` when a column holds something no field can (an array, an object).
 */
export const rowData = (
  collection: CollectionName,
  columns: Readonly<Record<string, unknown>>,
): DocumentData | undefined => {
  const data: Record<string, FieldValue> = {};
  for (const column of collectionColumns(collection)) {
    const value = Object.hasOwn(columns, column.key) ? columns[column.key] : null;
    if (value === undefined) continue;
    if (!isFieldValue(value)) return undefined;
    data[column.key] = value;
  }
  return data;
};

/** The row's columns with every null left out (the document holds no field for them). */
export const withoutNulls = (data: DocumentData): DocumentData =>
  Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null));

/** True when the row is as the projector wrote it (see the module). */
export const isProjectorWrite = (
  collection: CollectionName,
  columns: Readonly<Record<string, unknown>>,
): boolean => {
  const cursor = columns.syncCursor;
  const digest = columns.syncDigest;
  if (typeof cursor !== 'string' || cursor === '' || typeof digest !== 'string') return false;
  const data = rowData(collection, columns);
  if (data === undefined) return false;
  return projectorDigest(withoutNulls(data), columns.syncDeleted === true) === digest;
};
