/**
 * The push benchmark's second baseline, nearer what an append must store than the raw insert of
 * plain rows: the rows the pushed ops left in the log (each op's `ops` row, its `visibility` rows,
 * the `documents` row and `document_facilities` rows of each document it created) inserted again,
 * as they are, into empty tables of the log's own schema (every index included), one transaction
 * per batch of ops with the log's durability (SQLite: WAL, `synchronous = FULL`), with no checks
 * and nothing computed. The push's ratio to it says how much of a push is the server's own work
 * (decoding, checking, folding, the chain, the cursors, HTTP) rather than the storage it needs.
 *
 * Left out: the device's row and the log's head, written once per batch, and the rows the pushed
 * ops did not create (the benchmark's ops create documents, so each is written once).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { BenchStore } from './bench-server.ts';

/** The tables an accepted op writes rows of, in the order the log writes them. */
const TABLES = ['ops', 'visibility', 'documents', 'document_facilities'] as const;
type Table = (typeof TABLES)[number];

type Row = Readonly<Record<string, unknown>>;

/** One batch's rows, table by table. */
type BatchRows = Readonly<Record<Table, readonly Row[]>>;

/** The rows of `deviceId`'s ops, grouped into batches of `batch` ops in log order. */
const batchesOfRows = (
  rows: Readonly<Record<Table, readonly Row[]>>,
  deviceId: string,
  batch: number,
): BatchRows[] => {
  const ops = rows.ops.filter((r) => r.device_id === deviceId);
  const batchOf = new Map<string, number>();
  ops.forEach((r, i) => {
    batchOf.set(String(r.position), Math.floor(i / batch));
  });
  const docBatch = new Map<string, number>();
  const batches: Record<Table, Row[]>[] = [];
  const add = (table: Table, index: number | undefined, row: Row): void => {
    if (index === undefined) return;
    while (batches.length <= index) {
      batches.push({ ops: [], visibility: [], documents: [], document_facilities: [] });
    }
    batches[index]?.[table].push(row);
  };
  for (const r of ops) add('ops', batchOf.get(String(r.position)), r);
  for (const r of rows.visibility) add('visibility', batchOf.get(String(r.op_position)), r);
  for (const r of rows.documents) {
    const index = batchOf.get(String(r.created_position));
    if (index !== undefined) docBatch.set(`${String(r.collection)}/${String(r.doc_id)}`, index);
    add('documents', index, r);
  }
  for (const r of rows.document_facilities) {
    add('document_facilities', docBatch.get(`${String(r.collection)}/${String(r.doc_id)}`), r);
  }
  return batches;
};

/** Where the SQLite re-insert writes: a new file beside the store's. */
export const logRowsPath = (path: string): string => `${path}.log-rows`;

/** What one re-insert measured. */
export interface LogRowsRate {
  /** The ops whose rows were inserted. */
  readonly ops: number;
  /** Ops per second: the batches' ops over the time of inserting their rows. */
  readonly opsPerSecond: number;
  /** Rows (of the four tables) per op. */
  readonly rowsPerOp: number;
}

const rateOf = (batches: readonly BatchRows[], seconds: number): LogRowsRate => {
  const ops = batches.reduce((sum, b) => sum + b.ops.length, 0);
  const rows = batches.reduce((sum, b) => sum + TABLES.reduce((s, t) => s + b[t].length, 0), 0);
  return { ops, opsPerSecond: ops / seconds, rowsPerOp: rows / ops };
};

const sqliteRate = (path: string, deviceId: string, batch: number): LogRowsRate => {
  const source = new Database(path, { readonly: true });
  let schema: readonly { sql: string }[];
  let batches: BatchRows[];
  try {
    const names = TABLES.map(() => '?').join(', ');
    schema = source
      .prepare(
        `select sql from sqlite_master where tbl_name in (${names}) and sql is not null order by type desc`,
      )
      .all(...TABLES) as { sql: string }[];
    const read = (table: Table): Row[] => source.prepare(`select * from ${table}`).all() as Row[];
    batches = batchesOfRows(
      {
        ops: read('ops').sort((a, b) => Number(a.position) - Number(b.position)),
        visibility: read('visibility'),
        documents: read('documents'),
        document_facilities: read('document_facilities'),
      },
      deviceId,
      batch,
    );
  } finally {
    source.close();
  }
  const target = new Database(logRowsPath(path));
  try {
    target.pragma('journal_mode = WAL');
    target.pragma('synchronous = FULL');
    for (const { sql } of schema) target.exec(sql);
    // Each table's columns as its schema has them (a batch may hold no row of a table).
    const inserts = TABLES.map((table) => {
      const columns = (target.pragma(`table_info(${table})`) as { name: string }[]).map(
        (c) => c.name,
      );
      const sql = `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`;
      return { table, columns, statement: target.prepare(sql) };
    });
    const insertBatch = target.transaction((rows: BatchRows) => {
      for (const { table, columns, statement } of inserts) {
        for (const row of rows[table]) statement.run(...columns.map((c) => row[c]));
      }
    });
    const started = performance.now();
    for (const rows of batches) insertBatch(rows);
    return rateOf(batches, (performance.now() - started) / 1000);
  } finally {
    target.close();
  }
};

/** Postgres: multi-row inserts of at most this many rows, as the log's own. */
const PG_ROWS_PER_STATEMENT = 500;

const postgresRate = async (
  url: string,
  schema: string,
  deviceId: string,
  batch: number,
): Promise<LogRowsRate> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const target = `${schema}_log_rows`;
  try {
    const read = async (table: Table): Promise<Row[]> =>
      (await client.query<Row>(`select * from ${schema}.${table}`)).rows;
    const batches = batchesOfRows(
      {
        ops: (await read('ops')).sort((a, b) => Number(a.position) - Number(b.position)),
        visibility: await read('visibility'),
        documents: await read('documents'),
        document_facilities: await read('document_facilities'),
      },
      deviceId,
      batch,
    );
    await client.query(`create schema ${target}`);
    for (const table of TABLES) {
      await client.query(`create table ${target}.${table} (like ${schema}.${table} including all)`);
    }
    const started = performance.now();
    for (const rows of batches) {
      await client.query('begin');
      for (const table of TABLES) {
        const all = rows[table];
        const columns = Object.keys(all[0] ?? {});
        for (let from = 0; from < all.length; from += PG_ROWS_PER_STATEMENT) {
          const chunk = all.slice(from, from + PG_ROWS_PER_STATEMENT);
          const values: unknown[] = [];
          const tuples = chunk.map((row) => {
            const start = values.length;
            for (const c of columns) values.push(row[c]);
            return `(${columns.map((_, i) => `$${start + i + 1}`).join(', ')})`;
          });
          await client.query(
            `insert into ${target}.${table} (${columns.join(', ')}) values ${tuples.join(', ')}`,
            values,
          );
        }
      }
      await client.query('commit');
    }
    return rateOf(batches, (performance.now() - started) / 1000);
  } finally {
    await client.query(`drop schema if exists ${target} cascade`);
    await client.end();
  }
};

/**
 * Ops per second re-inserting the log rows of `deviceId`'s ops in `store` (see the module) in
 * transactions of `batch` ops. Run it after the push, with the server stopped. On SQLite the rows
 * go to a new file beside the store's (`<path>.log-rows`, left for the store's removal); on
 * Postgres to a schema beside the store's, dropped afterwards.
 */
export const logRowsRate = (
  store: BenchStore,
  deviceId: string,
  batch: number,
): Promise<LogRowsRate> =>
  store.kind === 'sqlite'
    ? Promise.resolve(sqliteRate(store.path, deviceId, batch))
    : postgresRate(store.url, store.schema, deviceId, batch);
