/**
 * Databases, tables, columns and indexes in the test double, and the validation Appwrite applies
 * to a row's data against its table's columns (`row_invalid_structure`).
 */
import { badRequest } from './double-errors.ts';

/** A column as the double stores it and answers it. */
export interface DoubleColumn {
  readonly key: string;
  readonly type: string;
  readonly required: boolean;
  readonly array: boolean;
  readonly size?: number;
  readonly min?: number;
  readonly max?: number;
  readonly default: unknown;
}

/** An index as the double stores it. */
export interface DoubleIndex {
  readonly key: string;
  readonly type: string;
  readonly columns: readonly string[];
  readonly orders: readonly string[];
}

/** A stored row: system fields and columns. */
export interface DoubleRow {
  readonly $id: string;
  readonly $sequence: number;
  readonly $createdAt: string;
  readonly $updatedAt: string;
  readonly $permissions: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
  /** The double's write counter when the row last changed (transactions compare with it). */
  readonly version: number;
}

/** A table with its rows. */
export interface DoubleTable {
  readonly id: string;
  name: string;
  readonly permissions: string[];
  rowSecurity: boolean;
  readonly columns: DoubleColumn[];
  readonly indexes: DoubleIndex[];
  rows: Map<string, DoubleRow>;
  sequence: number;
  readonly createdAt: string;
}

/** A database. */
export interface DoubleDatabase {
  readonly id: string;
  readonly name: string;
  readonly tables: Map<string, DoubleTable>;
  readonly createdAt: string;
}

/** Appwrite's id rule: up to 36 of `[a-zA-Z0-9._-]`, not starting with a special character. */
export const ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$/;

const isInteger = (value: unknown): boolean =>
  (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';

const valueMatches = (column: DoubleColumn, value: unknown): boolean => {
  switch (column.type) {
    case 'varchar':
    case 'string':
      return typeof value === 'string' && value.length <= (column.size ?? 0);
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return typeof value === 'string';
    case 'integer':
    case 'bigint':
      return (
        isInteger(value) &&
        (column.min === undefined || Number(value) >= column.min) &&
        (column.max === undefined || Number(value) <= column.max)
      );
    case 'double':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    default:
      return false;
  }
};

/**
 * The row's columns after a write: unknown keys, wrong types, too long strings and missing
 * required columns are `row_invalid_structure`, as on Appwrite.
 */
export const validateRowData = (
  table: DoubleTable,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> => {
  const checked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key.startsWith('$')) continue;
    const column = table.columns.find((c) => c.key === key);
    if (column === undefined) {
      throw badRequest(
        'row_invalid_structure',
        `Invalid document structure: Unknown attribute: "${key}"`,
      );
    }
    if (value !== null) {
      const values = column.array ? value : [value];
      if (!Array.isArray(values) || !values.every((v) => valueMatches(column, v))) {
        throw badRequest(
          'row_invalid_structure',
          `Invalid document structure: Attribute "${key}" has invalid type or size.`,
        );
      }
    }
    checked[key] = value;
  }
  for (const column of table.columns) {
    const value = checked[column.key];
    if (column.required && (value === undefined || value === null)) {
      throw badRequest(
        'row_invalid_structure',
        `Invalid document structure: Missing required attribute "${column.key}"`,
      );
    }
  }
  return checked;
};

/** Every column of the table, null where the row holds nothing. */
export const fullColumns = (
  table: DoubleTable,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> => {
  const full: Record<string, unknown> = {};
  for (const column of table.columns) full[column.key] = data[column.key] ?? null;
  return full;
};
