/**
 * The REST routes of the TablesDB double (APPWRITE.md section 3): `/v1/tablesdb/...` for
 * databases, tables, columns, indexes, rows and transactions, answering Appwrite's models.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, DoubleError, notFound } from './double-errors.ts';
import {
  columnModel,
  databaseModel,
  indexModel,
  rowModel,
  tableModel,
  transactionModel,
} from './double-models.ts';
import { applyQueries, parseQueries } from './double-queries.ts';
import type { RowWrite } from './double-rows.ts';
import {
  type DoubleColumn,
  type DoubleRow,
  type DoubleTable,
  ID_PATTERN,
} from './double-schema.ts';
import type { DoubleState } from './double-state.ts';

/** Who calls: an API key (which bypasses permissions), or a user with their roles. */
export type Caller =
  | { readonly kind: 'key' }
  | { readonly kind: 'user'; readonly userId: string; readonly roles: readonly string[] };

/**
 * True when the caller may read the row (APPWRITE.md section 5): keys always; a user when a role
 * of theirs has `read` on the table, or, with row security on, on the row itself. A row the
 * user may not read is answered as missing.
 */
const canRead = (caller: Caller, table: DoubleTable, row: DoubleRow): boolean => {
  if (caller.kind === 'key') return true;
  const readers = new Set([...table.permissions, ...(table.rowSecurity ? row.$permissions : [])]);
  return caller.roles.some((role) => readers.has(`read("${role}")`));
};

/** A JSON object of a request body. */
export type Json = Record<string, unknown>;

/** The JSON object of a request's body (`{}` when empty). */
export const readBody = async (request: IncomingMessage): Promise<Json> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest('general_argument_invalid', 'The body is not an object');
  }
  return Object.fromEntries(Object.entries(parsed));
};

const str = (body: Json, key: string): string => {
  const value = body[key];
  if (typeof value !== 'string')
    throw badRequest('general_argument_invalid', `Param "${key}" is not optional.`);
  return value;
};
const obj = (body: Json, key: string): Json => {
  const value = body[key] ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('general_argument_invalid', `Invalid ${key} param`);
  }
  return Object.fromEntries(Object.entries(value));
};
const strings = (body: Json, key: string): string[] | undefined => {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw badRequest('general_argument_invalid', `Invalid ${key} param`);
  }
  return value;
};
const optionalString = (body: Json, key: string): string | undefined => {
  const value = body[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

const writeOf = (action: string, rowId: string, body: Json): RowWrite => {
  const permissions = strings(body, 'permissions');
  const data = obj(body, 'data');
  switch (action) {
    case 'create':
    case 'update':
    case 'upsert':
      return { action, rowId, data, ...(permissions === undefined ? {} : { permissions }) };
    case 'delete':
      return { action, rowId };
    case 'increment':
    case 'decrement':
      return { action, rowId, column: str(body, 'column'), value: Number(body.value ?? 1) };
    default:
      throw badRequest(
        'general_argument_invalid',
        `The double does not implement the action ${action}`,
      );
  }
};

/** Starts a double on a free port of 127.0.0.1. */

/** Answers one request: its status and JSON body (null: no body). */
export const routeRequest = async (
  state: DoubleState,
  caller: Caller,
  method: string,
  segments: readonly string[],
  query: URLSearchParams,
  body: Json,
): Promise<[number, object | null]> => {
  const [root, a, b, c, d, e, f] = segments;
  if (caller.kind === 'user' && !(method === 'GET' && d === 'rows' && f === undefined)) {
    throw new DoubleError(
      401,
      'user_unauthorized',
      'The current user is not authorized to perform the requested action.',
    );
  }
  if (root !== 'tablesdb')
    throw notFound('general_route_not_found', 'The requested route was not found.');
  if (a === 'transactions') {
    if (b === undefined && method === 'POST')
      return [201, transactionModel(state.createTransaction(Number(body.ttl ?? 300)))];
    if (b !== undefined && c === 'operations' && method === 'POST') {
      const raw = body.operations;
      if (!Array.isArray(raw))
        throw badRequest('general_argument_invalid', 'Invalid operations param');
      const ops = raw.map((op: unknown) => {
        const entry: Json =
          typeof op === 'object' && op !== null ? Object.fromEntries(Object.entries(op)) : {};
        return {
          databaseId: str(entry, 'databaseId'),
          tableId: str(entry, 'tableId'),
          write: writeOf(str(entry, 'action'), str(entry, 'rowId'), entry),
        };
      });
      return [201, transactionModel(state.stage(b, ops))];
    }
    if (b !== undefined && c === undefined && method === 'PATCH') {
      if (body.commit === true) return [200, transactionModel(state.commit(b))];
      if (body.rollback === true) return [200, transactionModel(state.rollback(b))];
      throw badRequest('general_argument_invalid', 'Give commit or rollback');
    }
    if (b !== undefined && method === 'GET') {
      const transaction = state.transactions.get(b);
      if (transaction === undefined)
        throw notFound('transaction_not_found', 'Transaction not found');
      return [200, transactionModel(transaction)];
    }
  }
  if (a === undefined) {
    if (method !== 'POST')
      throw notFound('general_route_not_found', 'The requested route was not found.');
    const databaseId = str(body, 'databaseId');
    if (!ID_PATTERN.test(databaseId))
      throw badRequest('general_argument_invalid', 'Invalid databaseId param');
    if (state.databases.has(databaseId))
      throw new DoubleError(409, 'database_already_exists', 'Database already exists');
    const database = {
      id: databaseId,
      name: str(body, 'name'),
      tables: new Map<string, DoubleTable>(),
      createdAt: state.now(),
    };
    state.databases.set(databaseId, database);
    return [201, databaseModel(database)];
  }
  if (b === undefined && method === 'GET') return [200, databaseModel(state.database(a))];
  if (b !== 'tables')
    throw notFound('general_route_not_found', 'The requested route was not found.');
  if (c === undefined) {
    if (method !== 'POST')
      throw notFound('general_route_not_found', 'The requested route was not found.');
    const database = state.database(a);
    const tableId = str(body, 'tableId');
    if (!ID_PATTERN.test(tableId))
      throw badRequest('general_argument_invalid', 'Invalid tableId param');
    if (database.tables.has(tableId))
      throw new DoubleError(409, 'table_already_exists', 'Table already exists');
    const table: DoubleTable = {
      id: tableId,
      name: str(body, 'name'),
      permissions: strings(body, 'permissions') ?? [],
      rowSecurity: body.rowSecurity === true,
      columns: [],
      indexes: [],
      rows: new Map(),
      sequence: 0,
      createdAt: state.now(),
    };
    database.tables.set(tableId, table);
    return [201, tableModel(a, table)];
  }
  const table = state.table(a, c);
  if (d === undefined && method === 'GET') return [200, tableModel(a, table)];
  if (d === undefined && method === 'PUT') {
    if (typeof body.name === 'string') table.name = body.name;
    if (typeof body.rowSecurity === 'boolean') table.rowSecurity = body.rowSecurity;
    const permissions = strings(body, 'permissions');
    if (permissions !== undefined)
      table.permissions.splice(0, table.permissions.length, ...permissions);
    return [200, tableModel(a, table)];
  }
  if (d === 'columns' && e !== undefined && method === 'POST') {
    const key = str(body, 'key');
    if (table.columns.some((col) => col.key === key))
      throw new DoubleError(
        409,
        'column_already_exists',
        'Column with the requested key already exists.',
      );
    const column: DoubleColumn = {
      key,
      type: e,
      required: body.required === true,
      array: body.array === true,
      default: body.default ?? null,
      ...(typeof body.size === 'number' ? { size: body.size } : {}),
      ...(typeof body.min === 'number' ? { min: body.min } : {}),
      ...(typeof body.max === 'number' ? { max: body.max } : {}),
    };
    table.columns.push(column);
    return [202, columnModel(column, state.now())];
  }
  if (d === 'indexes' && method === 'POST') {
    const key = str(body, 'key');
    if (table.indexes.some((i) => i.key === key))
      throw new DoubleError(
        409,
        'index_already_exists',
        'Index with the requested key already exists.',
      );
    const columns = strings(body, 'columns') ?? [];
    const unknown = columns.filter((col) => !table.columns.some((known) => known.key === col));
    if (unknown.length > 0)
      throw badRequest('column_unknown', `Unknown column: ${unknown.join(', ')}`);
    const index = {
      key,
      type: str(body, 'type'),
      columns,
      orders: (strings(body, 'orders') ?? []).map((o) => o.toUpperCase()),
    };
    table.indexes.push(index);
    return [202, indexModel(index, state.now())];
  }
  if (d !== 'rows') throw notFound('general_route_not_found', 'The requested route was not found.');
  const transactionId =
    optionalString(body, 'transactionId') ?? query.get('transactionId') ?? undefined;
  if (e === undefined && method === 'GET') {
    const raw = [...query.entries()].filter(([k]) => /^queries\[\d+\]$/.test(k)).map(([, v]) => v);
    const seen =
      transactionId === undefined ? table : state.stagedView(state.pending(transactionId))(a, c);
    const readable = [...seen.rows.values()].filter((row) => canRead(caller, seen, row));
    const { rows, total } = applyQueries(seen, readable, parseQueries(raw));
    return [200, { total, rows: rows.map((row) => rowModel(a, seen, row)) }];
  }
  if (f !== undefined) {
    if (method !== 'PATCH' || e === undefined || (f !== 'increment' && f !== 'decrement'))
      throw notFound('general_route_not_found', 'The requested route was not found.');
    return [
      200,
      rowModel(
        a,
        table,
        state.write(a, c, {
          action: f,
          rowId: e,
          column: segments[5] ?? '',
          value: Number(body.value ?? 1),
        }),
      ),
    ];
  }
  const rowId = e ?? str(body, 'rowId');
  if (method === 'GET') {
    const seen =
      transactionId === undefined ? table : state.stagedView(state.pending(transactionId))(a, c);
    const row = seen.rows.get(rowId);
    if (row === undefined || !canRead(caller, seen, row))
      throw notFound('row_not_found', 'Row with the requested ID could not be found.');
    return [200, rowModel(a, seen, row)];
  }
  const action =
    e === undefined
      ? 'create'
      : method === 'PUT'
        ? 'upsert'
        : method === 'PATCH'
          ? 'update'
          : method === 'DELETE'
            ? 'delete'
            : '';
  const write = writeOf(action, rowId, body);
  if (transactionId !== undefined) {
    state.stage(transactionId, [{ databaseId: a, tableId: c, write }]);
    const staged = state.stagedView(state.pending(transactionId))(a, c).rows.get(rowId);
    return [
      action === 'delete' ? 204 : 200,
      staged === undefined ? null : rowModel(a, table, staged),
    ];
  }
  const row = state.write(a, c, write);
  if (action === 'delete') return [204, null];
  return [action === 'create' ? 201 : 200, rowModel(a, state.table(a, c), row)];
};
