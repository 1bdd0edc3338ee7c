/**
 * The baseline of the push benchmark: the same ops inserted as plain rows (device, seq, doc,
 * JSON body) into the same database, in one transaction, with no checks and no projection. On
 * SQLite, one prepared insert per row (the same durability pragmas as the log); on Postgres,
 * multi-row inserts of 500.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { RawOp } from '../data/immunization-dataset.ts';
import type { BenchStore } from './bench-server.ts';

const TABLE = 'bench_raw_ops';
const PG_ROWS_PER_STATEMENT = 500;

interface RawRow {
  readonly deviceId: string;
  readonly seq: number;
  readonly docId: string;
  readonly body: string;
}

const rowOf = (op: RawOp): RawRow => ({
  deviceId: String(op.deviceId),
  seq: Number(op.seq),
  docId: String(op.docId),
  body: JSON.stringify(op),
});

const sqliteRate = (path: string, rows: readonly RawRow[]): number => {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      `create table if not exists ${TABLE} (device_id text not null, seq integer not null, doc_id text not null, body text not null, primary key (device_id, seq))`,
    );
    db.exec(`delete from ${TABLE}`);
    const insert = db.prepare(`insert into ${TABLE} values (?, ?, ?, ?)`);
    const started = performance.now();
    db.transaction(() => {
      for (const r of rows) insert.run(r.deviceId, r.seq, r.docId, r.body);
    })();
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    db.close();
  }
};

const postgresRate = async (
  url: string,
  schema: string,
  rows: readonly RawRow[],
): Promise<number> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const table = `${schema}.${TABLE}`;
    await client.query(
      `create table if not exists ${table} (device_id text not null, seq integer not null, doc_id text not null, body jsonb not null, primary key (device_id, seq))`,
    );
    await client.query(`truncate ${table}`);
    const started = performance.now();
    await client.query('begin');
    for (let from = 0; from < rows.length; from += PG_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(from, from + PG_ROWS_PER_STATEMENT);
      const values: (string | number)[] = [];
      const tuples = chunk.map((r, i) => {
        values.push(r.deviceId, r.seq, r.docId, r.body);
        return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`;
      });
      await client.query(`insert into ${table} values ${tuples.join(', ')}`, values);
    }
    await client.query('commit');
    return rows.length / ((performance.now() - started) / 1000);
  } finally {
    await client.end();
  }
};

/** Rows per second inserting `ops` into `store` in one transaction. */
export const rawInsertRate = (store: BenchStore, ops: readonly RawOp[]): Promise<number> => {
  const rows = ops.map(rowOf);
  return store.kind === 'sqlite'
    ? Promise.resolve(sqliteRate(store.path, rows))
    : postgresRate(store.url, store.schema, rows);
};
