/**
 * Row writes in the test double, applied to a set of tables (the committed state, or a copy
 * that a transaction stages on): ids, permissions, structure, unique indexes, as Appwrite
 * checks them (APPWRITE.md section 3).
 */
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, notFound } from './double-errors.ts';
import { type DoubleRow, type DoubleTable, ID_PATTERN, validateRowData } from './double-schema.ts';

/** One write, as a REST call or a staged transaction operation describes it. */
export type RowWrite =
  | {
      readonly action: 'create';
      readonly rowId: string;
      readonly data: Readonly<Record<string, unknown>>;
      readonly permissions?: readonly string[];
    }
  | {
      readonly action: 'update' | 'upsert';
      readonly rowId: string;
      readonly data: Readonly<Record<string, unknown>>;
      readonly permissions?: readonly string[];
    }
  | { readonly action: 'delete'; readonly rowId: string }
  | {
      readonly action: 'increment' | 'decrement';
      readonly rowId: string;
      readonly column: string;
      readonly value: number;
    };

const PERMISSION = /^(read|create|update|delete|write)\("([^"]+)"\)$/;
const ROLE =
  /^(any|guests|users|user:[^/]+(\/[a-z]+)?|team:[^/]+(\/[^/]+)?|label:[a-zA-Z0-9]+|member:.+)$/;

const checkPermissions = (permissions: readonly string[]): readonly string[] => {
  for (const permission of permissions) {
    const match = PERMISSION.exec(permission);
    if (match === null || !ROLE.test(match[2] ?? '')) {
      throw badRequest('general_argument_invalid', `Invalid permissions param: ${permission}`);
    }
  }
  return [...new Set(permissions)];
};

const checkUnique = (table: DoubleTable, row: DoubleRow): void => {
  for (const index of table.indexes) {
    if (index.type !== 'unique') continue;
    const key = JSON.stringify(index.columns.map((c) => row.data[c] ?? null));
    for (const other of table.rows.values()) {
      if (other.$id === row.$id) continue;
      if (JSON.stringify(index.columns.map((c) => other.data[c] ?? null)) === key) {
        throw conflict(
          'row_already_exists',
          'Document with the requested unique attributes already exists.',
        );
      }
    }
  }
};

/** Stamps for a write: the time and the double's write counter. */
export interface WriteStamp {
  readonly now: string;
  readonly version: number;
}

/** Applies one write to a table; returns the row written (or deleted). */
export const applyRowWrite = (
  table: DoubleTable,
  write: RowWrite,
  stamp: WriteStamp,
): DoubleRow => {
  const existing = table.rows.get(write.rowId);
  switch (write.action) {
    case 'create': {
      const rowId = write.rowId === 'unique()' ? randomBytes(10).toString('hex') : write.rowId;
      if (!ID_PATTERN.test(rowId))
        throw badRequest('general_argument_invalid', `Invalid rowId param: ${rowId}`);
      if (table.rows.has(rowId))
        throw conflict('row_already_exists', 'Document with the requested ID already exists.');
      table.sequence += 1;
      const row: DoubleRow = {
        $id: rowId,
        $sequence: table.sequence,
        $createdAt: stamp.now,
        $updatedAt: stamp.now,
        $permissions: checkPermissions(write.permissions ?? []),
        data: validateRowData(table, write.data),
        version: stamp.version,
      };
      checkUnique(table, row);
      table.rows.set(rowId, row);
      return row;
    }
    case 'update':
    case 'upsert': {
      if (existing === undefined) {
        if (write.action === 'update')
          throw notFound('row_not_found', 'Row with the requested ID could not be found.');
        return applyRowWrite(table, { ...write, action: 'create' }, stamp);
      }
      const row: DoubleRow = {
        ...existing,
        $updatedAt: stamp.now,
        $permissions:
          write.permissions === undefined
            ? existing.$permissions
            : checkPermissions(write.permissions),
        data: validateRowData(table, { ...existing.data, ...write.data }),
        version: stamp.version,
      };
      checkUnique(table, row);
      table.rows.set(row.$id, row);
      return row;
    }
    case 'delete': {
      if (existing === undefined)
        throw notFound('row_not_found', 'Row with the requested ID could not be found.');
      table.rows.delete(write.rowId);
      return existing;
    }
    case 'increment':
    case 'decrement': {
      if (existing === undefined)
        throw notFound('row_not_found', 'Row with the requested ID could not be found.');
      const current = Number(existing.data[write.column] ?? 0);
      const next = write.action === 'increment' ? current + write.value : current - write.value;
      return applyRowWrite(
        table,
        { action: 'update', rowId: write.rowId, data: { [write.column]: next } },
        stamp,
      );
    }
    default: {
      const unreachable: never = write;
      return unreachable;
    }
  }
};
