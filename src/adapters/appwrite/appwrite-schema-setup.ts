/**
 * `immune-sync appwrite setup` and `check` (APPWRITE.md sections 2 and 3): compare an Appwrite
 * project's database with the schema (`appwrite-schema.ts`), and create what is missing.
 *
 * Invariants:
 * 1. Setup is idempotent: it creates the database, tables, columns and indexes that are
 *    missing, turns row security on, and changes nothing else; a second run creates nothing.
 * 2. Setup never drops or alters a column or an index of another shape: it reports it, like
 *    check, so that no data is lost by running it.
 * 3. Columns are created asynchronously by Appwrite; indexes are created once a table's columns
 *    are `available` (polling up to `columnWaitMs`).
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { OrderBy, type TablesDB, TablesDBIndexType } from 'node-appwrite';
import { isAppwriteError } from './appwrite-connection.ts';
import type { ColumnSpec, DatabaseSchema, IndexSpec, TableSpec } from './appwrite-schema.ts';
import {
  type ExistingTable,
  type SchemaDifference,
  tableDifferences,
} from './schema-differences.ts';

const ExistingTableCodec = t.type({
  rowSecurity: t.boolean,
  $permissions: t.array(t.string),
  columns: t.array(
    t.intersection([
      t.type({ key: t.string, type: t.string, required: t.boolean }),
      t.partial({ array: t.boolean, size: t.number, status: t.string }),
    ]),
  ),
  indexes: t.array(t.type({ key: t.string, type: t.string, columns: t.array(t.string) })),
});

/** A table as Appwrite describes it, or undefined when it does not exist. */
const readTable = async (
  tablesDb: TablesDB,
  databaseId: string,
  tableId: string,
): Promise<(ExistingTable & { readonly pending: number }) | undefined> => {
  let raw: unknown;
  try {
    raw = await tablesDb.getTable({ databaseId, tableId });
  } catch (error) {
    if (isAppwriteError(error, 'table_not_found')) return undefined;
    throw error;
  }
  const decoded = ExistingTableCodec.decode(raw);
  if (E.isLeft(decoded)) throw new Error(`Appwrite described table ${tableId} in an unknown shape`);
  const table = decoded.right;
  return {
    rowSecurity: table.rowSecurity,
    permissions: table.$permissions,
    columns: table.columns.map((c) => ({
      key: c.key,
      type: c.type,
      required: c.required,
      array: c.array ?? false,
      ...(c.size === undefined ? {} : { size: c.size }),
    })),
    indexes: table.indexes,
    pending: table.columns.filter((c) => c.status !== undefined && c.status !== 'available').length,
  };
};

const databaseExists = async (tablesDb: TablesDB, databaseId: string): Promise<boolean> => {
  try {
    await tablesDb.get({ databaseId });
    return true;
  } catch (error) {
    if (isAppwriteError(error, 'database_not_found')) return false;
    throw error;
  }
};

/** What the project lacks or holds differently (see the module). */
export const checkSchema = async (
  tablesDb: TablesDB,
  schema: DatabaseSchema,
): Promise<readonly SchemaDifference[]> => {
  if (!(await databaseExists(tablesDb, schema.databaseId))) {
    return [{ kind: 'missing_database', databaseId: schema.databaseId }];
  }
  const differences: SchemaDifference[] = [];
  for (const spec of schema.tables) {
    const existing = await readTable(tablesDb, schema.databaseId, spec.id);
    if (existing === undefined) differences.push({ kind: 'missing_table', table: spec.id });
    else differences.push(...tableDifferences(spec, existing));
  }
  return differences;
};

const createColumn = async (
  tablesDb: TablesDB,
  databaseId: string,
  tableId: string,
  column: ColumnSpec,
): Promise<void> => {
  const base = {
    databaseId,
    tableId,
    key: column.key,
    required: column.required,
    array: column.array,
  };
  switch (column.type) {
    case 'varchar':
      await tablesDb.createVarcharColumn({ ...base, size: column.size });
      return;
    case 'longtext':
      await tablesDb.createLongtextColumn(base);
      return;
    case 'boolean':
      await tablesDb.createBooleanColumn(base);
      return;
    case 'datetime':
      await tablesDb.createDatetimeColumn(base);
      return;
    case 'integer':
    case 'bigint': {
      const range = {
        ...(column.min === undefined ? {} : { min: column.min }),
        ...(column.max === undefined ? {} : { max: column.max }),
      };
      if (column.type === 'integer') await tablesDb.createIntegerColumn({ ...base, ...range });
      else await tablesDb.createBigIntColumn({ ...base, ...range });
      return;
    }
    default: {
      const unreachable: never = column;
      return unreachable;
    }
  }
};

const createIndex = (tablesDb: TablesDB, databaseId: string, tableId: string, index: IndexSpec) =>
  tablesDb.createIndex({
    databaseId,
    tableId,
    key: index.key,
    type: index.type === 'unique' ? TablesDBIndexType.Unique : TablesDBIndexType.Key,
    columns: [...index.columns],
    orders: index.orders.map((o) => (o === 'ASC' ? OrderBy.Asc : OrderBy.Desc)),
  });

/** Options of `setupSchema`. */
export interface SetupOptions {
  /** Told of every creation, in words. */
  readonly onStep?: (step: string) => void;
  /** How long to wait for a table's new columns to become available (default 60 s). */
  readonly columnWaitMs?: number;
}

/** Waits until the table's columns are all available. */
const waitForColumns = async (
  tablesDb: TablesDB,
  databaseId: string,
  spec: TableSpec,
  waitMs: number,
): Promise<void> => {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const table = await readTable(tablesDb, databaseId, spec.id);
    if (table !== undefined && table.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`the columns of ${spec.id} are still being created`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
};

/**
 * Creates what is missing (see the module's invariants) and returns what it could not fix:
 * columns and indexes of another shape, and table-level permissions.
 */
export const setupSchema = async (
  tablesDb: TablesDB,
  schema: DatabaseSchema,
  options: SetupOptions = {},
): Promise<readonly SchemaDifference[]> => {
  const step = options.onStep ?? (() => undefined);
  const { databaseId } = schema;
  if (!(await databaseExists(tablesDb, databaseId))) {
    await tablesDb.create({ databaseId, name: schema.name });
    step(`created database ${databaseId}`);
  }
  const unfixed: SchemaDifference[] = [];
  for (const spec of schema.tables) {
    let existing = await readTable(tablesDb, databaseId, spec.id);
    if (existing === undefined) {
      await tablesDb.createTable({
        databaseId,
        tableId: spec.id,
        name: spec.name,
        permissions: [],
        rowSecurity: true,
        enabled: true,
      });
      step(`created table ${spec.id}`);
      existing = { rowSecurity: true, permissions: [], columns: [], indexes: [], pending: 0 };
    }
    let columnsCreated = false;
    for (const difference of tableDifferences(spec, existing)) {
      switch (difference.kind) {
        case 'missing_column':
          await createColumn(tablesDb, databaseId, spec.id, difference.column);
          columnsCreated = true;
          step(`created column ${spec.id}.${difference.column.key}`);
          break;
        case 'table_settings':
          if (difference.setting === 'row_security') {
            await tablesDb.updateTable({
              databaseId,
              tableId: spec.id,
              name: spec.name,
              rowSecurity: true,
            });
            step(`turned row security on for ${spec.id}`);
          } else {
            unfixed.push(difference);
          }
          break;
        case 'missing_index':
          break;
        default:
          unfixed.push(difference);
      }
    }
    const missingIndexes = spec.indexes.filter(
      (i) => !existing.indexes.some((e) => e.key === i.key),
    );
    if (missingIndexes.length === 0) continue;
    if (columnsCreated || existing.pending > 0) {
      await waitForColumns(tablesDb, databaseId, spec, options.columnWaitMs ?? 60_000);
    }
    for (const index of missingIndexes) {
      await createIndex(tablesDb, databaseId, spec.id, index);
      step(`created index ${spec.id}.${index.key}`);
    }
  }
  return unfixed;
};
