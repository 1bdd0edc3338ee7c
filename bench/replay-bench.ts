/**
 * Replay: rebuilding every projection (documents, their facilities, conflict records) from the
 * whole log, as `immune-sync replay` does. A log of REPLAY_PATIENTS patients (default 25,000)
 * and three times as many immunization records is built in process, then replayed; ops/s.
 * SQLite always; Postgres when DATABASE_URL is set.
 *
 *   npm run bench -- replay
 */
import { datasetOf } from './data/immunization-dataset.ts';
import { count, report } from './harness/bench-results.ts';
import { backends, freshStore } from './harness/bench-stores.ts';
import { LogBuilder } from './harness/build-log.ts';
import { openLog } from './harness/open-log.ts';

const PATIENTS = Number(process.env.REPLAY_PATIENTS ?? 25_000);

const main = async (): Promise<void> => {
  const config = datasetOf(PATIENTS);
  const rows = [];
  for (const kind of backends()) {
    const fresh = await freshStore(kind);
    try {
      const log = await openLog(fresh.store);
      try {
        const builder = new LogBuilder(config);
        await builder.seed(log);
        const buildStarted = performance.now();
        const built = await builder.next(log, Number.POSITIVE_INFINITY);
        const buildSeconds = (performance.now() - buildStarted) / 1000;
        const started = performance.now();
        const replayed = await log.replay();
        const seconds = (performance.now() - started) / 1000;
        rows.push({
          backend: fresh.label,
          'log (ops)': count(replayed.ops),
          documents: count(replayed.documents),
          'replay (s)': seconds.toFixed(2),
          'replay (ops/s)': count(replayed.ops / seconds),
          'in-process append while building (ops/s)': count(built / buildSeconds),
        });
        console.error(`replay ${fresh.label}: ${count(replayed.ops / seconds)} ops/s`);
      } finally {
        await log.close();
      }
    } finally {
      await fresh.remove();
    }
  }
  await report('replay', rows, { dataset: config });
};

await main();
