/**
 * How fast can any server do the per-op work a push needs, on this machine? A floor for the push
 * target, measured, not argued: a minimal append, in process (no HTTP), of the push benchmark's
 * ops (one tablet's new patients and their immunization records), one transaction per batch with
 * the log's durability (WAL, `synchronous = FULL`), into empty tables of the log's own schema.
 * Per op it does only what the protocol cannot do without, each in its plainest form:
 *
 * - the batch's JSON parsed once; the op's fields and its collection's field names checked;
 * - the business rules of a new document: the id is new, the patient of a record exists and the
 *   dose is not before the birth, a date's form (Map lookups);
 * - the op's canonical JSON (the log's own `canonicalJson`), the device's hash-chain link (SHA-256
 *   of the previous link and that text) and the op's signed cursor (the log's `encodeCursor`);
 * - the document's state (each field's value with its writer's dot and clock, the version vector)
 *   and data as JSON texts;
 * - its rows: the op, its visibility, its document, the document's facility (patients);
 * - the answer's JSON.
 *
 * Left out, so the floor is lower than any real append: concurrency (the state of a document
 * with earlier ops, conflicts), permissions beyond the tablet's facility, duplicates and gaps,
 * quarantine, the device's row, the codecs' error paths, the document cache. Each batch size runs
 * twice: with the SQL, and without it (the JS alone), so the table splits the floor in two; and
 * beside it, the log's real append of the same ops in process (`openSqliteLog`, its reference
 * data and facilities appended first), on a fresh store of its own.
 *
 *   npm run bench -- floor                     (FLOOR_OPS=20000 by default)
 *
 * Not a test: figures depend on the machine.
 */
import Database from 'better-sqlite3';
import { openSqliteLog } from '../src/adapters/sqlite/sqlite-log.ts';
import { floorAppend, NO_WRITES, realAppend, sqliteWrites } from './harness/append-floor-ops.ts';
import { count, type ResultRow, report } from './harness/bench-results.ts';
import { freshStore } from './harness/bench-stores.ts';
import { tabletOps } from './harness/tablet-ops.ts';

const OPS = Number(process.env.FLOOR_OPS ?? 20_000);
const BATCHES = [100, 500, 1000];
const TARGET = 20_000;

const main = async (): Promise<void> => {
  const { ops, config, facility } = tabletOps(OPS);
  const rows: ResultRow[] = [];
  for (const batch of BATCHES) {
    const bodies: string[] = [];
    for (let from = 0; from < ops.length; from += batch) {
      bodies.push(
        JSON.stringify({ deviceId: facility.deviceId, ops: ops.slice(from, from + batch) }),
      );
    }
    const fresh = await freshStore('sqlite');
    try {
      if (fresh.store.kind !== 'sqlite') throw new Error('not SQLite');
      // The log's schema, made by the log's own migrations.
      await (await openSqliteLog({ path: fresh.store.path })).close();
      const db = new Database(fresh.store.path);
      let withSql: number;
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        withSql = floorAppend(bodies, sqliteWrites(db), facility.docId);
      } finally {
        db.close();
      }
      const jsAlone = floorAppend(bodies, NO_WRITES, facility.docId);
      const real = await realAppend(`${fresh.store.path}.real`, config, facility, ops, batch);
      const rate = ops.length / withSql;
      rows.push({
        'batch (ops)': batch,
        ops: count(ops.length),
        'floor (ops/s)': count(rate),
        'µs an op': ((withSql / ops.length) * 1e6).toFixed(1),
        'the JS alone (ops/s)': count(ops.length / jsAlone),
        'µs an op, JS': ((jsAlone / ops.length) * 1e6).toFixed(1),
        'SQL share': (1 - jsAlone / withSql).toFixed(2),
        'the log, in process (ops/s)': count(ops.length / real),
        'log / floor': (withSql / real).toFixed(2),
        'push target': `${count(TARGET)}: the floor is ${(rate / TARGET).toFixed(2)}x it`,
      });
      console.error(`floor batch ${batch}: ${count(rate)} ops/s`);
    } finally {
      await fresh.remove();
    }
  }
  await report('floor', rows, { ops: ops.length, batches: BATCHES, dataset: config });
};

await main();
