import Database from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompiledInserts,
  type InsertStatement,
  rowParameters,
} from '../../src/log/compiled-inserts.ts';
import type { LogTables } from '../../src/log/log-tables.ts';

type Row = { readonly key: string; readonly value: string };
/** A table whose `b` has a default. */
type PairsTables = { pairs: { a: string; b: Generated<string> } };

/** The log's `log_meta` table stands in for any table: two text columns, a primary key. */
const countingStatement = () => {
  let builds = 0;
  const statement: InsertStatement<Row> = {
    name: 'meta',
    build: (db, rows) => {
      builds += 1;
      return db.insertInto('log_meta').values(rows);
    },
  };
  return { statement, builds: () => builds };
};

describe('rowParameters', () => {
  it('binds row by row, in the order of the columns', () => {
    expect(
      rowParameters(
        [
          { b: 2, a: 1 },
          { a: 3, b: null },
        ],
        ['a', 'b'],
      ),
    ).toEqual([1, 2, 3, null]);
  });

  it('gives nothing when a row lacks a column', () => {
    expect(rowParameters([{ a: 1 }, { b: 2 }], ['a'])).toBeUndefined();
    expect(rowParameters([{ a: 1, b: undefined }], ['a', 'b'])).toBeUndefined();
  });

  it('gives nothing when a row has a column besides them', () => {
    expect(rowParameters([{ a: 1 }, { a: 2, b: 3 }], ['a'])).toBeUndefined();
  });
});

describe('CompiledInserts', () => {
  let db: Kysely<LogTables>;

  beforeEach(async () => {
    db = new Kysely<LogTables>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    await sql`create table log_meta (key text primary key, value text not null)`.execute(db);
  });

  afterEach(async () => {
    await db.destroy();
  });

  const stored = async () =>
    db.selectFrom('log_meta').select(['key', 'value']).orderBy('key').execute();

  it('compiles a statement once per row count and binds each run its own rows', async () => {
    const inserts = new CompiledInserts();
    const { statement, builds } = countingStatement();
    await inserts.run(db, statement, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]);
    await inserts.run(db, statement, [
      { value: '3', key: 'c' },
      { key: 'd', value: '4' },
    ]);
    expect(builds()).toBe(1);
    await inserts.run(db, statement, [{ key: 'e', value: '5' }]);
    expect(builds()).toBe(2);
    expect(await stored()).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'c', value: '3' },
      { key: 'd', value: '4' },
      { key: 'e', value: '5' },
    ]);
  });

  it('keeps at most its capacity of texts, dropping the least recently used', async () => {
    const inserts = new CompiledInserts(1);
    const { statement, builds } = countingStatement();
    await inserts.run(db, statement, [{ key: 'a', value: '1' }]);
    await inserts.run(db, statement, [
      { key: 'b', value: '2' },
      { key: 'c', value: '3' },
    ]);
    await inserts.run(db, statement, [{ key: 'd', value: '4' }]);
    expect(builds()).toBe(3);
    expect(await stored()).toHaveLength(4);
  });

  it('compiles rows with other columns as they are, never with a cached text', async () => {
    await sql`create table pairs (a text, b text default 'dflt')`.execute(db);
    const inserts = new CompiledInserts();
    let builds = 0;
    const statement: InsertStatement<{ readonly a: string; readonly b?: string }> = {
      name: 'pairs',
      build: (trx, rows) => {
        builds += 1;
        return trx.withTables<PairsTables>().insertInto('pairs').values(rows);
      },
    };
    await inserts.run(db, statement, [{ a: 'x', b: 'y' }]);
    // Another shape is compiled as it is (and its text is the one kept from then on).
    await inserts.run(db, statement, [{ a: 'z' }]);
    expect(builds).toBe(2);
    await inserts.run(db, statement, [{ a: 'w' }]);
    expect(builds).toBe(2);
    await inserts.run(db, statement, [{ a: 'v', b: 'u' }]);
    expect(builds).toBe(3);
    const rows = await db
      .withTables<PairsTables>()
      .selectFrom('pairs')
      .selectAll()
      .orderBy('a')
      .execute();
    expect(rows).toEqual([
      { a: 'v', b: 'u' },
      { a: 'w', b: 'dflt' },
      { a: 'x', b: 'y' },
      { a: 'z', b: 'dflt' },
    ]);
  });
});
