/**
 * What an Appwrite database lacks or holds differently from the schema (`immune-sync appwrite
 * check`): missing database, tables, columns and indexes; a table without row security or with
 * table-level permissions; a column or an index of another shape.
 */
import type { ColumnSpec, IndexSpec, TableSpec } from './appwrite-schema.ts';

/** One difference, for people and for `setup` to act on. */
export type SchemaDifference =
  | { readonly kind: 'missing_database'; readonly databaseId: string }
  | { readonly kind: 'missing_table'; readonly table: string }
  | {
      readonly kind: 'table_settings';
      readonly table: string;
      readonly setting: 'row_security' | 'permissions';
      readonly detail: string;
    }
  | { readonly kind: 'missing_column'; readonly table: string; readonly column: ColumnSpec }
  | {
      readonly kind: 'column_differs';
      readonly table: string;
      readonly key: string;
      readonly detail: string;
    }
  | { readonly kind: 'missing_index'; readonly table: string; readonly index: IndexSpec }
  | {
      readonly kind: 'index_differs';
      readonly table: string;
      readonly key: string;
      readonly detail: string;
    };

/** A table as Appwrite describes it (`getTable`), reduced to what is compared. */
export interface ExistingTable {
  readonly rowSecurity: boolean;
  readonly permissions: readonly string[];
  readonly columns: readonly {
    readonly key: string;
    readonly type: string;
    readonly required: boolean;
    readonly array: boolean;
    readonly size?: number;
  }[];
  readonly indexes: readonly {
    readonly key: string;
    readonly type: string;
    readonly columns: readonly string[];
  }[];
}

/** Appwrite 1.8 reports a varchar column created through the legacy API as `string`. */
const sameType = (wanted: string, actual: string): boolean =>
  wanted === actual || (wanted === 'varchar' && actual === 'string');

/** The differences between one table's spec and what exists. */
export const tableDifferences = (spec: TableSpec, existing: ExistingTable): SchemaDifference[] => {
  const differences: SchemaDifference[] = [];
  if (!existing.rowSecurity) {
    differences.push({
      kind: 'table_settings',
      table: spec.id,
      setting: 'row_security',
      detail: 'row security is off',
    });
  }
  if (existing.permissions.length > 0) {
    differences.push({
      kind: 'table_settings',
      table: spec.id,
      setting: 'permissions',
      detail: `table-level permissions ${existing.permissions.join(', ')} bypass the facility scope`,
    });
  }
  for (const column of spec.columns) {
    const found = existing.columns.find((c) => c.key === column.key);
    if (found === undefined) {
      differences.push({ kind: 'missing_column', table: spec.id, column });
      continue;
    }
    const details: string[] = [];
    if (!sameType(column.type, found.type)) details.push(`type ${found.type}, not ${column.type}`);
    if (found.required !== column.required)
      details.push(`required ${found.required}, not ${column.required}`);
    if (found.array !== column.array) details.push(`array ${found.array}, not ${column.array}`);
    if (column.type === 'varchar' && found.size !== undefined && found.size < column.size) {
      details.push(`size ${found.size}, less than ${column.size}`);
    }
    if (details.length > 0) {
      differences.push({
        kind: 'column_differs',
        table: spec.id,
        key: column.key,
        detail: details.join('; '),
      });
    }
  }
  for (const index of spec.indexes) {
    const found = existing.indexes.find((i) => i.key === index.key);
    if (found === undefined) {
      differences.push({ kind: 'missing_index', table: spec.id, index });
      continue;
    }
    const details: string[] = [];
    if (found.type !== index.type) details.push(`type ${found.type}, not ${index.type}`);
    if (found.columns.join(',') !== index.columns.join(',')) {
      details.push(`columns ${found.columns.join(', ')}, not ${index.columns.join(', ')}`);
    }
    if (details.length > 0) {
      differences.push({
        kind: 'index_differs',
        table: spec.id,
        key: index.key,
        detail: details.join('; '),
      });
    }
  }
  return differences;
};

/** A difference in words. */
export const describeDifference = (difference: SchemaDifference): string => {
  switch (difference.kind) {
    case 'missing_database':
      return `database ${difference.databaseId} is missing`;
    case 'missing_table':
      return `table ${difference.table} is missing`;
    case 'table_settings':
      return `table ${difference.table}: ${difference.detail}`;
    case 'missing_column':
      return `table ${difference.table}: column ${difference.column.key} (${difference.column.type}) is missing`;
    case 'column_differs':
      return `table ${difference.table}: column ${difference.key} has ${difference.detail}`;
    case 'missing_index':
      return `table ${difference.table}: index ${difference.index.key} (${difference.index.columns.join(', ')}) is missing`;
    case 'index_differs':
      return `table ${difference.table}: index ${difference.key} has ${difference.detail}`;
    default: {
      const unreachable: never = difference;
      return unreachable;
    }
  }
};
