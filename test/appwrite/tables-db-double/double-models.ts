/** The JSON models the double answers with, shaped as Appwrite 1.9's (node-appwrite's `Models`). */

import type {
  DoubleColumn,
  DoubleDatabase,
  DoubleIndex,
  DoubleRow,
  DoubleTable,
} from './double-schema.ts';
import { fullColumns } from './double-schema.ts';
import type { DoubleTransaction } from './double-state.ts';

export const databaseModel = (database: DoubleDatabase): object => ({
  $id: database.id,
  name: database.name,
  $createdAt: database.createdAt,
  $updatedAt: database.createdAt,
  enabled: true,
  type: 'tablesdb',
});

export const columnModel = (column: DoubleColumn, at: string): object => ({
  ...column,
  status: 'available',
  error: '',
  $createdAt: at,
  $updatedAt: at,
});

export const indexModel = (index: DoubleIndex, at: string): object => ({
  $id: index.key,
  ...index,
  lengths: [],
  status: 'available',
  error: '',
  $createdAt: at,
  $updatedAt: at,
});

export const tableModel = (databaseId: string, table: DoubleTable): object => ({
  $id: table.id,
  $createdAt: table.createdAt,
  $updatedAt: table.createdAt,
  $permissions: table.permissions,
  databaseId,
  name: table.name,
  enabled: true,
  rowSecurity: table.rowSecurity,
  columns: table.columns.map((c) => columnModel(c, table.createdAt)),
  indexes: table.indexes.map((i) => indexModel(i, table.createdAt)),
  bytesMax: 0,
  bytesUsed: 0,
});

/** A row: system fields (`$sequence` a string, as on 1.9), then every column. */
export const rowModel = (databaseId: string, table: DoubleTable, row: DoubleRow): object => ({
  $id: row.$id,
  $sequence: String(row.$sequence),
  $tableId: table.id,
  $databaseId: databaseId,
  $createdAt: row.$createdAt,
  $updatedAt: row.$updatedAt,
  $permissions: row.$permissions,
  ...fullColumns(table, row.data),
});

export const transactionModel = (transaction: DoubleTransaction): object => ({
  $id: transaction.id,
  $createdAt: transaction.createdAt,
  $updatedAt: transaction.createdAt,
  status: transaction.status,
  operations: transaction.operations.length,
  expiresAt: new Date(transaction.expiresAt).toISOString(),
});
