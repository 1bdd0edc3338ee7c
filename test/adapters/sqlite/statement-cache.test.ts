import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../../src/adapters/sqlite/statement-cache.ts';

/** A stand-in database that counts what it prepares. */
const countingDatabase = () => {
  const prepared: string[] = [];
  const statements: { sql: string; busy: boolean }[] = [];
  let closed = false;
  return {
    prepared,
    statements,
    isClosed: () => closed,
    database: {
      prepare(sql: string) {
        prepared.push(sql);
        const statement = { sql, busy: false };
        statements.push(statement);
        return statement;
      },
      close() {
        closed = true;
      },
    },
  };
};

describe('withStatementCache', () => {
  it('prepares a text once and hands out the same statement again', () => {
    const stub = countingDatabase();
    const cached = withStatementCache(stub.database);
    const first = cached.prepare('select 1');
    expect(cached.prepare('select 1')).toBe(first);
    expect(cached.prepare('select 2')).not.toBe(first);
    expect(stub.prepared).toEqual(['select 1', 'select 2']);
  });

  it('prepares a fresh statement while the cached one is busy', () => {
    const stub = countingDatabase();
    const cached = withStatementCache(stub.database);
    const first = cached.prepare('select 1');
    first.busy = true;
    const second = cached.prepare('select 1');
    expect(second).not.toBe(first);
    first.busy = false;
    expect(cached.prepare('select 1')).toBe(second);
  });

  it('drops the least recently used statement beyond its count', () => {
    const stub = countingDatabase();
    const cached = withStatementCache(stub.database, { statements: 2, sqlChars: 1000 });
    cached.prepare('a');
    cached.prepare('b');
    cached.prepare('a');
    cached.prepare('c');
    cached.prepare('a');
    cached.prepare('b');
    expect(stub.prepared).toEqual(['a', 'b', 'c', 'b']);
  });

  it('drops the least recently used statements beyond its length of SQL', () => {
    const stub = countingDatabase();
    const cached = withStatementCache(stub.database, { statements: 10, sqlChars: 6 });
    cached.prepare('aa');
    cached.prepare('bb');
    cached.prepare('aa');
    cached.prepare('cccc');
    // 8 characters: 'bb', the least recently used, goes; 'aa' and 'cccc' stay.
    cached.prepare('cccc');
    cached.prepare('aa');
    cached.prepare('bb');
    expect(stub.prepared).toEqual(['aa', 'bb', 'cccc', 'bb']);
  });

  it('prepares a text longer than its whole budget every time', () => {
    const stub = countingDatabase();
    const cached = withStatementCache(stub.database, { statements: 10, sqlChars: 3 });
    cached.prepare('long');
    cached.prepare('long');
    expect(stub.prepared).toEqual(['long', 'long']);
  });

  it('closes the database', () => {
    const stub = countingDatabase();
    withStatementCache(stub.database).close();
    expect(stub.isClosed()).toBe(true);
  });

  it('reuses a better-sqlite3 statement across runs, and while one iterates', () => {
    const database = new Database(':memory:');
    const cached = withStatementCache(database);
    try {
      database.exec('create table t (x integer)');
      const insert = cached.prepare('insert into t values (?)');
      for (const x of [1, 2, 3]) cached.prepare('insert into t values (?)').run(x);
      expect(cached.prepare('insert into t values (?)')).toBe(insert);
      const select = 'select x from t order by x';
      const seen: unknown[] = [];
      for (const row of cached.prepare(select).iterate([])) {
        seen.push(row);
        // The iterating statement is busy: a nested use of the same text gets its own.
        expect(cached.prepare(select).all([])).toHaveLength(3);
      }
      expect(seen).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    } finally {
      cached.close();
    }
  });
});
