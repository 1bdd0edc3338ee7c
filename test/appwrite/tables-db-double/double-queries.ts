/**
 * Appwrite's JSON queries in the test double (APPWRITE.md section 3): at most 100 of at most
 * 4,096 characters, filters (`equal` matches any of its values), `orderAsc`/`orderDesc`,
 * `limit` (default 25), `offset`, `cursorAfter`, `select`, `and`/`or`. A malformed query, an
 * unknown method or an unknown column is `400 general_query_invalid`.
 */
import { badRequest, DoubleError } from './double-errors.ts';
import type { DoubleRow, DoubleTable } from './double-schema.ts';

interface Query {
  readonly method: string;
  readonly attribute?: string;
  readonly values: readonly unknown[];
}

const invalid = (message: string): DoubleError => badRequest('general_query_invalid', message);

const SYSTEM = new Set(['$id', '$sequence', '$createdAt', '$updatedAt']);

const toQuery = (value: unknown): Query => {
  if (typeof value !== 'object' || value === null) throw invalid('Invalid query');
  const method = Reflect.get(value, 'method');
  const attribute = Reflect.get(value, 'attribute');
  const values = Reflect.get(value, 'values');
  if (typeof method !== 'string') throw invalid('Invalid query method');
  return {
    method,
    ...(typeof attribute === 'string' ? { attribute } : {}),
    values: Array.isArray(values) ? values : [],
  };
};

/** Parses the `queries[]` strings of a request. */
export const parseQueries = (raw: readonly string[]): Query[] => {
  if (raw.length > 100) throw invalid('Invalid queries: at most 100 queries are allowed');
  return raw.map((text) => {
    if (text.length > 4096) throw invalid('Invalid query: longer than 4096 characters');
    try {
      return toQuery(JSON.parse(text));
    } catch (error) {
      if (error instanceof DoubleError) throw error;
      throw invalid(`Invalid query: ${text}`);
    }
  });
};

/** The value of a column or system field of a row. */
export const fieldOf = (row: DoubleRow, attribute: string): unknown => {
  switch (attribute) {
    case '$id':
      return row.$id;
    case '$sequence':
      return row.$sequence;
    case '$createdAt':
      return row.$createdAt;
    case '$updatedAt':
      return row.$updatedAt;
    default:
      return row.data[attribute] ?? null;
  }
};

const compare = (a: unknown, b: unknown): number => {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (
    (typeof a === 'number' || typeof a === 'bigint') &&
    (typeof b === 'number' || typeof b === 'bigint')
  ) {
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
};

const checkAttribute = (table: DoubleTable, attribute: string | undefined): string => {
  if (attribute === undefined) throw invalid('Invalid query: an attribute is required');
  if (!SYSTEM.has(attribute) && !table.columns.some((c) => c.key === attribute)) {
    throw invalid(`Invalid query: Attribute not found in schema: ${attribute}`);
  }
  return attribute;
};

const matches = (table: DoubleTable, row: DoubleRow, query: Query): boolean => {
  switch (query.method) {
    case 'and':
      return query.values.every((q) => matches(table, row, toQuery(q)));
    case 'or':
      return query.values.some((q) => matches(table, row, toQuery(q)));
    default:
      break;
  }
  const value = fieldOf(row, checkAttribute(table, query.attribute));
  const first = query.values[0];
  switch (query.method) {
    case 'equal':
      return query.values.some((v) => compare(value, v) === 0 && value !== null);
    case 'notEqual':
      return query.values.every((v) => compare(value, v) !== 0);
    case 'lessThan':
      return value !== null && compare(value, first) < 0;
    case 'lessThanEqual':
      return value !== null && compare(value, first) <= 0;
    case 'greaterThan':
      return value !== null && compare(value, first) > 0;
    case 'greaterThanEqual':
      return value !== null && compare(value, first) >= 0;
    case 'isNull':
      return value === null;
    case 'isNotNull':
      return value !== null;
    case 'between':
      return value !== null && compare(value, first) >= 0 && compare(value, query.values[1]) <= 0;
    case 'startsWith':
      return typeof value === 'string' && typeof first === 'string' && value.startsWith(first);
    case 'contains':
      return Array.isArray(value) && query.values.some((v) => value.includes(v));
    default:
      throw invalid(`Invalid query method: ${query.method}`);
  }
};

const PAGING = new Set([
  'limit',
  'offset',
  'cursorAfter',
  'cursorBefore',
  'orderAsc',
  'orderDesc',
  'select',
]);

/** The rows a list request answers, and the total of rows that match its filters. */
export const applyQueries = (
  table: DoubleTable,
  rows: readonly DoubleRow[],
  queries: readonly Query[],
): { readonly rows: DoubleRow[]; readonly total: number } => {
  const filters = queries.filter((q) => !PAGING.has(q.method));
  const checkFilter = (q: Query): void => {
    if (q.method !== 'and' && q.method !== 'or') {
      checkAttribute(table, q.attribute);
      return;
    }
    for (const inner of q.values) checkFilter(toQuery(inner));
  };
  for (const filter of filters) checkFilter(filter);
  let selected = rows.filter((row) => filters.every((q) => matches(table, row, q)));
  const orders = queries.filter((q) => q.method === 'orderAsc' || q.method === 'orderDesc');
  const sortKeys = [
    ...orders.map((q) => ({
      attribute: checkAttribute(table, q.attribute),
      sign: q.method === 'orderAsc' ? 1 : -1,
    })),
    { attribute: '$sequence', sign: 1 },
  ];
  selected = [...selected].sort((a, b) => {
    for (const key of sortKeys) {
      const order = compare(fieldOf(a, key.attribute), fieldOf(b, key.attribute));
      if (order !== 0) return order * key.sign;
    }
    return 0;
  });
  const total = selected.length;
  for (const q of queries) {
    if (q.method === 'cursorAfter') {
      const at = selected.findIndex((row) => row.$id === q.values[0]);
      if (at < 0)
        throw badRequest('general_cursor_not_found', `Cursor not found: ${String(q.values[0])}`);
      selected = selected.slice(at + 1);
    }
  }
  const offset = Number(queries.find((q) => q.method === 'offset')?.values[0] ?? 0);
  const limitQuery = queries.find((q) => q.method === 'limit');
  const limit = Number(limitQuery?.values[0] ?? 25);
  if (!Number.isInteger(limit) || limit < 0 || limit > 5000) throw invalid('Invalid limit');
  return { rows: selected.slice(offset, offset + limit), total };
};
