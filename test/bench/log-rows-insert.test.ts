/**
 * The push benchmark's second baseline (`bench/harness/log-rows-insert.ts`): the rows it
 * re-inserts are exactly the log rows of the pushed device's ops (its ops, their visibility, the
 * documents they created and those documents' facilities), batch by batch, into tables of the
 * log's own schema; and on Postgres the same rows per op, its scratch schema dropped.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DatasetConfig,
  datasetOf,
  facilitiesOf,
} from '../../bench/data/immunization-dataset.ts';
import { type FreshStore, freshStore } from '../../bench/harness/bench-stores.ts';
import { LogBuilder } from '../../bench/harness/build-log.ts';
import { logRowsPath, logRowsRate } from '../../bench/harness/log-rows-insert.ts';
import { openLog } from '../../bench/harness/open-log.ts';

const CONFIG: DatasetConfig = { ...datasetOf(40), facilities: 2 };

const built = async (kind: 'sqlite' | 'postgres'): Promise<FreshStore> => {
  const fresh = await freshStore(kind);
  const log = await openLog(fresh.store);
  try {
    const builder = new LogBuilder(CONFIG);
    await builder.seed(log);
    await builder.next(log, Number.POSITIVE_INFINITY);
  } finally {
    await log.close();
  }
  return fresh;
};

type Row = Record<string, unknown>;

/** The log rows of `deviceId`'s ops in the SQLite database at `path`, table by table. */
const rowsOfDevice = (path: string, deviceId: string): Record<string, Row[]> => {
  const db = new Database(path, { readonly: true });
  try {
    const all = (sql: string): Row[] => db.prepare(sql).all(deviceId) as Row[];
    return {
      ops: all('select * from ops where device_id = ? order by position'),
      visibility: all(
        'select v.* from visibility v join ops o on o.position = v.op_position where o.device_id = ? order by v.op_position, v.facility_id',
      ),
      documents: all(
        'select d.* from documents d join ops o on o.position = d.created_position where o.device_id = ? order by d.collection, d.doc_id',
      ),
      document_facilities: all(
        'select f.* from document_facilities f join documents d on d.collection = f.collection and d.doc_id = f.doc_id join ops o on o.position = d.created_position where o.device_id = ? order by f.collection, f.doc_id, f.facility_id',
      ),
    };
  } finally {
    db.close();
  }
};

const tablet = facilitiesOf(CONFIG)[0]?.deviceId ?? 'no tablet';

describe('the log rows baseline on SQLite', () => {
  let fresh: FreshStore;
  beforeAll(async () => {
    fresh = await built('sqlite');
  });
  afterAll(() => fresh.remove());

  it("re-inserts exactly the device's ops, their visibility, documents and document facilities", async () => {
    if (fresh.store.kind !== 'sqlite') throw new Error('not SQLite');
    const source = rowsOfDevice(fresh.store.path, tablet);
    const rate = await logRowsRate(fresh.store, tablet, 7);
    const copied = rowsOfDevice(logRowsPath(fresh.store.path), tablet);
    expect(source.ops?.length).toBeGreaterThan(40);
    expect(copied).toEqual(source);
    // Nothing of the other tablet, the admin's reference data or the facilities.
    const target = new Database(logRowsPath(fresh.store.path), { readonly: true });
    try {
      const count = (table: string): number =>
        (target.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
      for (const [table, rows] of Object.entries(source)) expect(count(table)).toBe(rows.length);
      // The log's indexes came along with its tables.
      const indexes = target
        .prepare("select name from sqlite_master where type = 'index' and sql is not null")
        .all()
        .map((r) => (r as { name: string }).name);
      expect(indexes).toEqual(
        expect.arrayContaining(['ops_dot', 'ops_document', 'visibility_op', 'documents_patient']),
      );
    } finally {
      target.close();
    }
    const rows = Object.values(source).reduce((sum, r) => sum + r.length, 0);
    expect(rate.ops).toBe(source.ops?.length);
    expect(rate.rowsPerOp).toBeCloseTo(rows / (source.ops?.length ?? 1), 10);
    expect(rate.opsPerSecond).toBeGreaterThan(0);
  });
});

describe.runIf(process.env.DATABASE_URL !== undefined)('the log rows baseline on Postgres', () => {
  let sqlite: FreshStore;
  let postgres: FreshStore;
  beforeAll(async () => {
    sqlite = await built('sqlite');
    postgres = await built('postgres');
  });
  afterAll(async () => {
    await sqlite.remove();
    await postgres.remove();
  });

  it('inserts the same rows per op as SQLite, and drops its scratch schema', async () => {
    if (postgres.store.kind !== 'postgres') throw new Error('not Postgres');
    const onSqlite = await logRowsRate(sqlite.store, tablet, 7);
    const onPostgres = await logRowsRate(postgres.store, tablet, 7);
    expect(onPostgres.ops).toBe(onSqlite.ops);
    expect(onPostgres.rowsPerOp).toBeCloseTo(onSqlite.rowsPerOp, 10);
    const client = new pg.Client({ connectionString: postgres.store.url });
    await client.connect();
    try {
      const left = await client.query(
        'select schema_name from information_schema.schemata where schema_name = $1',
        [`${postgres.store.schema}_log_rows`],
      );
      expect(left.rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
