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
 * Left out, so the floor costs less per op than any real append can: concurrency (the state of a
 * document with earlier ops, conflicts), permissions beyond the tablet's facility, the rules about
 * the vaccine (it exists, the dose is within its doses) and the duplicate-dose flag, duplicates
 * and gaps, quarantine, the device's row, the codecs' error paths, the document cache. Each batch
 * size runs twice: with the SQL, and without it (the JS alone), so the table splits the floor in
 * two; and beside it, the log's real append of the same ops in process (`openSqliteLog`, its reference
 * data and facilities appended first), on a fresh store of its own.
 *
 * Each batch size runs FLOOR_ROUNDS times (default 3), the sizes interleaved; the table gives
 * medians, and each round's ratio of the log to the floor.
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
import { median } from './harness/percentile.ts';
import { type TabletOps, tabletOps } from './harness/tablet-ops.ts';

const OPS = Number(process.env.FLOOR_OPS ?? 20_000);
const ROUNDS = Math.max(1, Number(process.env.FLOOR_ROUNDS ?? 3));
const BATCHES = [100, 500, 1000];
const TARGET = 20_000;

/** One round's seconds for one batch size: the floor, its JS alone, the log's real append. */
interface Round {
  readonly floor: number;
  readonly jsAlone: number;
  readonly log: number;
}

/** One round at `batch`, each of its three appends on a fresh store of its own. */
const roundAt = async (
  { ops, config, facility }: TabletOps,
  bodies: readonly string[],
  batch: number,
): Promise<Round> => {
  const fresh = await freshStore('sqlite');
  try {
    if (fresh.store.kind !== 'sqlite') throw new Error('not SQLite');
    // The log's schema, made by the log's own migrations.
    await (await openSqliteLog({ path: fresh.store.path })).close();
    const db = new Database(fresh.store.path);
    let floor: number;
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      floor = floorAppend(bodies, sqliteWrites(db), facility.docId);
    } finally {
      db.close();
    }
    const jsAlone = floorAppend(bodies, NO_WRITES, facility.docId);
    const log = await realAppend(`${fresh.store.path}.real`, config, facility, ops, batch);
    return { floor, jsAlone, log };
  } finally {
    await fresh.remove();
  }
};

const main = async (): Promise<void> => {
  const tablet = tabletOps(OPS);
  const { ops, config, facility } = tablet;
  const bodiesAt = new Map(
    BATCHES.map((batch) => {
      const bodies: string[] = [];
      for (let from = 0; from < ops.length; from += batch) {
        bodies.push(
          JSON.stringify({ deviceId: facility.deviceId, ops: ops.slice(from, from + batch) }),
        );
      }
      return [batch, bodies] as const;
    }),
  );
  // Rounds interleave the batch sizes, so that a slow stretch of the machine falls on all three.
  const rounds = new Map<number, Round[]>(BATCHES.map((batch) => [batch, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const batch of BATCHES) {
      const timing = await roundAt(tablet, bodiesAt.get(batch) ?? [], batch);
      rounds.get(batch)?.push(timing);
      console.error(
        `floor round ${round}/${ROUNDS} batch ${batch}: floor ${count(ops.length / timing.floor)} ops/s, ` +
          `the log ${count(ops.length / timing.log)} ops/s`,
      );
    }
  }
  const rows: ResultRow[] = BATCHES.map((batch) => {
    const all = rounds.get(batch) ?? [];
    const floor = median(all.map((r) => r.floor));
    const jsAlone = median(all.map((r) => r.jsAlone));
    const log = median(all.map((r) => r.log));
    const rate = ops.length / floor;
    return {
      'batch (ops)': batch,
      ops: count(ops.length),
      'floor (ops/s, median)': count(rate),
      'µs an op': ((floor / ops.length) * 1e6).toFixed(1),
      'the JS alone (ops/s)': count(ops.length / jsAlone),
      'SQL share': (1 - jsAlone / floor).toFixed(2),
      'the log, in process (ops/s)': count(ops.length / log),
      'log / floor, each round': all.map((r) => (r.floor / r.log).toFixed(2)).join(' / '),
      'push target': `${count(TARGET)}: the floor is ${(rate / TARGET).toFixed(2)}x it`,
    };
  });
  await report('floor', rows, {
    ops: ops.length,
    batches: BATCHES,
    rounds: Object.fromEntries(rounds),
    dataset: config,
  });
};

await main();
