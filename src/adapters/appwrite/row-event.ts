/**
 * Row events as an event-triggered execution receives them (APPWRITE.md sections 1 and 6): the
 * event's name in `x-appwrite-event`, the row (as the API returns it) as the body. Appwrite 1.8
 * names `createRow` events in the collection style, so both forms are read.
 */

/** What happened to a row. */
export type RowAction = 'create' | 'update' | 'upsert' | 'delete';

/** A parsed row event name. */
export interface RowEvent {
  readonly databaseId: string;
  readonly tableId: string;
  readonly rowId: string;
  readonly action: RowAction;
}

const TABLES_FORM =
  /^databases\.([^.]+)\.tables\.([^.]+)\.rows\.([^.]+)\.(create|update|upsert|delete)$/;
const COLLECTIONS_FORM =
  /^databases\.([^.]+)\.collections\.([^.]+)\.documents\.([^.]+)\.(create|update|upsert|delete)$/;

const isRowAction = (value: string): value is RowAction =>
  value === 'create' || value === 'update' || value === 'upsert' || value === 'delete';

/**
 * The event of a name such as `databases.db.tables.patients.rows.p-1.update` (or
 * `databases.db.collections.patients.documents.p-1.create`); undefined for any other event.
 */
export const parseRowEvent = (name: string): RowEvent | undefined => {
  const match = TABLES_FORM.exec(name) ?? COLLECTIONS_FORM.exec(name);
  if (match === null) return undefined;
  const [, databaseId, tableId, rowId, action] = match;
  if (
    databaseId === undefined ||
    tableId === undefined ||
    rowId === undefined ||
    action === undefined ||
    !isRowAction(action)
  ) {
    return undefined;
  }
  return { databaseId, tableId, rowId, action };
};
