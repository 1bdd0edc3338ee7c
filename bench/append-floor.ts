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
 * The same comparison is then made over HTTP, where the target is set: the floor behind the
 * least HTTP server PROTOCOL allows (`harness/floor-server.ts`: one route, the body gunzipped,
 * the answer's JSON sent as it is), against the real server (`immune-sync serve`), each a child
 * process on a fresh store, each pushed to by the same client code over loopback as the push
 * benchmark's (`harness/timed-push.ts`: the client's transport, two batches in flight).
 *
 * Each batch size runs FLOOR_ROUNDS times (default 3), the sizes interleaved; the table gives
 * medians, and each round's ratios of the log to the floor, in process and over HTTP.
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
import { pushToFloor, pushToServer } from './harness/timed-push.ts';

const OPS = Number(process.env.FLOOR_OPS ?? 20_000);
const ROUNDS = Math.max(1, Number(process.env.FLOOR_ROUNDS ?? 3));
const BATCHES = [100, 500, 1000];
const TARGET = 20_000;

/**
 * One round's seconds for one batch size: in process, the floor, its JS alone and the log's real
 * append; over HTTP, the floor and the real server.
 */
interface Round {
  readonly floor: number;
  readonly jsAlone: number;
  readonly log: number;
  readonly floorHttp: number;
  readonly serverHttp: number;
}

/** One round at `batch`, each of its appends on a fresh store of its own. */
const roundAt = async (
  tablet: TabletOps,
  bodies: readonly string[],
  batch: number,
): Promise<Round> => {
  const { ops, config, facility } = tablet;
  const fresh = await freshStore('sqlite');
  const served = await freshStore('sqlite');
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
    const floorPath = `${fresh.store.path}.http`;
    await (await openSqliteLog({ path: floorPath })).close();
    const floorHttp = (await pushToFloor(floorPath, tablet, batch)).seconds;
    const serverHttp = (await pushToServer(served, tablet, batch)).seconds;
    return { floor, jsAlone, log, floorHttp, serverHttp };
  } finally {
    await fresh.remove();
    await served.remove();
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
          `the log ${count(ops.length / timing.log)} ops/s; over HTTP the floor ` +
          `${count(ops.length / timing.floorHttp)} ops/s, the server ${count(ops.length / timing.serverHttp)} ops/s`,
      );
    }
  }
  const rows: ResultRow[] = BATCHES.map((batch) => {
    const all = rounds.get(batch) ?? [];
    const floor = median(all.map((r) => r.floor));
    const jsAlone = median(all.map((r) => r.jsAlone));
    const log = median(all.map((r) => r.log));
    const floorHttp = median(all.map((r) => r.floorHttp));
    const serverHttp = median(all.map((r) => r.serverHttp));
    const rate = ops.length / floor;
    const httpRate = ops.length / floorHttp;
    return {
      'batch (ops)': batch,
      ops: count(ops.length),
      'floor (ops/s, median)': count(rate),
      'µs an op': ((floor / ops.length) * 1e6).toFixed(1),
      'the JS alone (ops/s)': count(ops.length / jsAlone),
      'SQL share': (1 - jsAlone / floor).toFixed(2),
      'the log, in process (ops/s)': count(ops.length / log),
      'log / floor, each round': all.map((r) => (r.floor / r.log).toFixed(2)).join(' / '),
      'floor over HTTP (ops/s)': count(httpRate),
      'server over HTTP (ops/s)': count(ops.length / serverHttp),
      'server / floor over HTTP, each round': all
        .map((r) => (r.floorHttp / r.serverHttp).toFixed(2))
        .join(' / '),
      'push target': `${count(TARGET)}: the floor is ${(rate / TARGET).toFixed(2)}x it in process, ${(httpRate / TARGET).toFixed(2)}x over HTTP`,
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
