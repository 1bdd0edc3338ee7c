/**
 * The TablesDB test double behaves as APPWRITE.md section 3 says Appwrite does, seen through the
 * real node-appwrite SDK: error bodies, JSON queries, and transactions.
 */
import { AppwriteException, ID, Permission, Query, Role, TablesDBIndexType } from 'node-appwrite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

const DB = 'db';
const T = 'items';

let double: TablesDbDouble;

beforeEach(async () => {
  double = await startTablesDbDouble({ operationLimit: 5 });
  const tdb = double.tablesDb();
  await tdb.create({ databaseId: DB, name: 'test' });
  await tdb.createTable({ databaseId: DB, tableId: T, name: 'Items', rowSecurity: true });
  await tdb.createVarcharColumn({
    databaseId: DB,
    tableId: T,
    key: 'name',
    size: 10,
    required: true,
  });
  await tdb.createIntegerColumn({ databaseId: DB, tableId: T, key: 'rank', required: false });
  await tdb.createIndex({
    databaseId: DB,
    tableId: T,
    key: 'by_name',
    type: TablesDBIndexType.Unique,
    columns: ['name'],
  });
});

afterEach(async () => {
  await double.close();
});

/** The exception a promise rejects with. */
const rejection = async <T>(promise: Promise<T>): Promise<AppwriteException> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppwriteException) return error;
    throw error;
  }
  throw new Error('expected a rejection');
};

describe('the TablesDB double', () => {
  it('answers a missing row with 404 row_not_found in an Appwrite error body', async () => {
    const error = await rejection(
      double.tablesDb().getRow({ databaseId: DB, tableId: T, rowId: 'nope' }),
    );
    expect(error.code).toBe(404);
    expect(error.type).toBe('row_not_found');
    expect(JSON.parse(error.response)).toMatchObject({
      code: 404,
      type: 'row_not_found',
      version: '1.9.6',
    });
  });

  it('refuses a request with an unknown key with 401 user_unauthorized', async () => {
    const error = await rejection(
      double.tablesDb('wrong').getTable({ databaseId: DB, tableId: T }),
    );
    expect([error.code, error.type]).toEqual([401, 'user_unauthorized']);
  });

  it('shows a signed-in user only the rows a role of theirs may read, and lets them write none', async () => {
    await double.close();
    double = await startTablesDbDouble({ users: { 'jwt-a': { userId: 'a', teams: ['fac-1'] } } });
    const tdb = double.tablesDb();
    await tdb.create({ databaseId: DB, name: 'test' });
    await tdb.createTable({ databaseId: DB, tableId: T, name: 'Items', rowSecurity: true });
    await tdb.createVarcharColumn({
      databaseId: DB,
      tableId: T,
      key: 'name',
      size: 10,
      required: true,
    });
    await tdb.createRow({
      databaseId: DB,
      tableId: T,
      rowId: 'mine',
      data: { name: 'm' },
      permissions: [Permission.read(Role.team('fac-1'))],
    });
    await tdb.createRow({
      databaseId: DB,
      tableId: T,
      rowId: 'other',
      data: { name: 'o' },
      permissions: [Permission.read(Role.team('fac-2'))],
    });
    const asUser = double.tablesDbAsUser('jwt-a');
    const listed = await asUser.listRows({ databaseId: DB, tableId: T });
    expect(listed.rows.map((r) => r.$id)).toEqual(['mine']);
    const hidden = await rejection(asUser.getRow({ databaseId: DB, tableId: T, rowId: 'other' }));
    const write = await rejection(
      asUser.createRow({ databaseId: DB, tableId: T, rowId: 'x', data: { name: 'x' } }),
    );
    expect([hidden.type, write.type]).toEqual(['row_not_found', 'user_unauthorized']);
  });

  it('stores rows with their permissions and answers them with every column', async () => {
    const tdb = double.tablesDb();
    await tdb.createRow({
      databaseId: DB,
      tableId: T,
      rowId: 'a',
      data: { name: 'alpha' },
      permissions: [Permission.read(Role.team('fac-1'))],
    });
    const row = await tdb.getRow({ databaseId: DB, tableId: T, rowId: 'a' });
    expect(row).toMatchObject({
      $id: 'a',
      $sequence: '1',
      $permissions: ['read("team:fac-1")'],
      name: 'alpha',
      rank: null,
    });
  });

  it('refuses data that does not fit the columns with row_invalid_structure', async () => {
    const tdb = double.tablesDb();
    const unknown = await rejection(
      tdb.createRow({ databaseId: DB, tableId: T, rowId: 'a', data: { name: 'x', other: 1 } }),
    );
    const tooLong = await rejection(
      tdb.createRow({ databaseId: DB, tableId: T, rowId: 'b', data: { name: 'much too long' } }),
    );
    const missing = await rejection(
      tdb.createRow({ databaseId: DB, tableId: T, rowId: 'c', data: { rank: 1 } }),
    );
    expect([unknown.type, tooLong.type, missing.type]).toEqual([
      'row_invalid_structure',
      'row_invalid_structure',
      'row_invalid_structure',
    ]);
  });

  it('refuses a duplicate id or unique value with 409 row_already_exists', async () => {
    const tdb = double.tablesDb();
    await tdb.createRow({ databaseId: DB, tableId: T, rowId: 'a', data: { name: 'alpha' } });
    const sameId = await rejection(
      tdb.createRow({ databaseId: DB, tableId: T, rowId: 'a', data: { name: 'beta' } }),
    );
    const sameName = await rejection(
      tdb.createRow({ databaseId: DB, tableId: T, rowId: ID.unique(), data: { name: 'alpha' } }),
    );
    expect([sameId.code, sameId.type, sameName.type]).toEqual([
      409,
      'row_already_exists',
      'row_already_exists',
    ]);
  });

  it('filters, orders and pages rows by JSON queries', async () => {
    const tdb = double.tablesDb();
    for (const [id, rank] of [
      ['a', 3],
      ['b', 1],
      ['c', 2],
      ['d', 5],
    ] as const) {
      await tdb.createRow({ databaseId: DB, tableId: T, rowId: id, data: { name: id, rank } });
    }
    const first = await tdb.listRows({
      databaseId: DB,
      tableId: T,
      queries: [Query.greaterThan('rank', 1), Query.orderAsc('rank'), Query.limit(2)],
    });
    expect(first.rows.map((r) => r.$id)).toEqual(['c', 'a']);
    expect(first.total).toBe(3);
    const next = await tdb.listRows({
      databaseId: DB,
      tableId: T,
      queries: [
        Query.greaterThan('rank', 1),
        Query.orderAsc('rank'),
        Query.limit(2),
        Query.cursorAfter('a'),
      ],
    });
    expect(next.rows.map((r) => r.$id)).toEqual(['d']);
    const some = await tdb.listRows({
      databaseId: DB,
      tableId: T,
      queries: [Query.equal('name', ['a', 'd'])],
    });
    expect(some.rows.map((r) => r.$id)).toEqual(['a', 'd']);
  });

  it('refuses a query on an unknown column with general_query_invalid', async () => {
    const error = await rejection(
      double
        .tablesDb()
        .listRows({ databaseId: DB, tableId: T, queries: [Query.equal('colour', 'red')] }),
    );
    expect([error.code, error.type]).toEqual([400, 'general_query_invalid']);
  });

  it('keeps staged operations invisible until commit, except to reads of the transaction', async () => {
    const tdb = double.tablesDb();
    const tx = await tdb.createTransaction({ ttl: 60 });
    await tdb.createOperations({
      transactionId: tx.$id,
      operations: [
        { action: 'create', databaseId: DB, tableId: T, rowId: 'a', data: { name: 'alpha' } },
      ],
    });
    const outside = await tdb.listRows({ databaseId: DB, tableId: T });
    const inside = await tdb.listRows({ databaseId: DB, tableId: T, transactionId: tx.$id });
    expect([outside.total, inside.total]).toEqual([0, 1]);
    await tdb.updateTransaction({ transactionId: tx.$id, commit: true });
    expect((await tdb.listRows({ databaseId: DB, tableId: T })).total).toBe(1);
  });

  it('fails a commit with transaction_conflict when a staged row changed, and writes nothing of it', async () => {
    const tdb = double.tablesDb();
    await tdb.createRow({
      databaseId: DB,
      tableId: T,
      rowId: 'head',
      data: { name: 'head', rank: 0 },
    });
    const tx = await tdb.createTransaction({ ttl: 60 });
    await tdb.createOperations({
      transactionId: tx.$id,
      operations: [
        { action: 'create', databaseId: DB, tableId: T, rowId: 'op-1', data: { name: 'op-1' } },
        { action: 'update', databaseId: DB, tableId: T, rowId: 'head', data: { rank: 1 } },
      ],
    });
    await tdb.updateRow({ databaseId: DB, tableId: T, rowId: 'head', data: { rank: 7 } });
    const error = await rejection(tdb.updateTransaction({ transactionId: tx.$id, commit: true }));
    expect([error.code, error.type]).toEqual([409, 'transaction_conflict']);
    const rows = await tdb.listRows({ databaseId: DB, tableId: T });
    expect(rows.rows.map((r) => [r.$id, r.rank])).toEqual([['head', 7]]);
  });

  it('refuses more operations than the limit with transaction_limit_exceeded', async () => {
    const tdb = double.tablesDb();
    const tx = await tdb.createTransaction({ ttl: 60 });
    const operations = Array.from({ length: 6 }, (_, i) => ({
      action: 'create',
      databaseId: DB,
      tableId: T,
      rowId: `r${i}`,
      data: { name: `r${i}` },
    }));
    const error = await rejection(tdb.createOperations({ transactionId: tx.$id, operations }));
    expect([error.code, error.type]).toEqual([400, 'transaction_limit_exceeded']);
  });

  it('answers an expired transaction with 410 transaction_expired', async () => {
    let now = Date.now();
    await double.close();
    double = await startTablesDbDouble({ clock: () => now });
    const tdb = double.tablesDb();
    const tx = await tdb.createTransaction({ ttl: 60 });
    now += 61_000;
    const error = await rejection(tdb.updateTransaction({ transactionId: tx.$id, commit: true }));
    expect([error.code, error.type]).toEqual([410, 'transaction_expired']);
  });
});
