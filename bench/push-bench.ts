/**
 * Push throughput end to end: a health worker's tablet pushes PUSH_OPS generated ops (patients
 * and their immunization records) over HTTP to the real server (`immune-sync serve`, a child
 * process), in batches of 100, 500 and 1,000, each batch size on a fresh store; beside it, the
 * raw rate of inserting the same ops as plain rows into the same database in one transaction.
 * The ratio push / raw is the figure. A second baseline (`harness/log-rows-insert.ts`): the rows
 * the push left in the log, re-inserted as they are into empty tables of the log's schema, one
 * synced transaction per batch, which is what storing the ops costs without any of the server's
 * work. SQLite always; Postgres when DATABASE_URL is set.
 *
 *   npm run bench -- push                      (PUSH_OPS=20000 by default)
 */
import { count, type ResultRow, report } from './harness/bench-results.ts';
import { backends, freshStore } from './harness/bench-stores.ts';
import { logRowsRate } from './harness/log-rows-insert.ts';
import { rawInsertRate } from './harness/raw-insert.ts';
import { tabletOps } from './harness/tablet-ops.ts';
import { pushToServer } from './harness/timed-push.ts';

const OPS = Number(process.env.PUSH_OPS ?? 20_000);
const BATCHES = [100, 500, 1000];
const TARGET_SQLITE = 20_000;

const main = async (): Promise<void> => {
  const tablet = tabletOps(OPS);
  const { ops, config, facility } = tablet;
  const rows: ResultRow[] = [];
  for (const kind of backends()) {
    for (const batch of BATCHES) {
      const fresh = await freshStore(kind);
      try {
        const { seconds, batchTimes } = await pushToServer(fresh, tablet, batch);
        const raw = await rawInsertRate(fresh.store, ops);
        const logRows = await logRowsRate(fresh.store, facility.deviceId, batch);
        const pushRate = ops.length / seconds;
        const sorted = [...batchTimes].sort((a, b) => a - b);
        rows.push({
          backend: fresh.label,
          'batch (ops)': batch,
          ops: count(ops.length),
          'push (ops/s)': count(pushRate),
          'p50 batch (ms)': (sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(1),
          'raw insert, 1 tx (rows/s)': count(raw),
          'push / raw': (pushRate / raw).toFixed(3),
          'log rows, 1 tx per batch (ops/s)': count(logRows.opsPerSecond),
          'rows per op': logRows.rowsPerOp.toFixed(2),
          'push / log rows': (pushRate / logRows.opsPerSecond).toFixed(3),
          target:
            kind === 'sqlite'
              ? `>= ${count(TARGET_SQLITE)}: ${pushRate >= TARGET_SQLITE ? 'met' : 'NOT met'}`
              : '-',
        });
        console.error(`push ${fresh.label} batch ${batch}: ${count(pushRate)} ops/s`);
      } finally {
        await fresh.remove();
      }
    }
  }
  await report('push', rows, { ops: ops.length, batches: BATCHES, dataset: config });
};

await main();
