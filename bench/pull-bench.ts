/**
 * Pull as the log grows: catching up PULL_CATCHUP ops (default 100,000) over HTTP from the real
 * server, from logs of PULL_SIZES ops (default 10,000, 100,000 and 1,000,000; a log smaller
 * than the catch-up is read whole). One SQLite log grows in process between the sizes; the
 * reader is an admin's device (it reads the log itself), in pages of 1,000. The time per 1,000
 * ops must stay flat: the figure is the ratio of the largest log's to the smallest's.
 *
 *   npm run bench -- pull
 *   PULL_SIZES=10000,100000 npm run bench -- pull      (about a minute)
 */
import { join } from 'node:path';
import { datasetOf, facilitiesOf } from './data/immunization-dataset.ts';
import { ADMIN_TOKEN, writePrincipals } from './harness/bench-principals.ts';
import { count, type ResultRow, report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import { freshStore } from './harness/bench-stores.ts';
import { LogBuilder, type Mark } from './harness/build-log.ts';
import { catchUp } from './harness/catch-up.ts';
import { openLog } from './harness/open-log.ts';

const SIZES = (process.env.PULL_SIZES ?? '10000,100000,1000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const CATCH_UP = Number(process.env.PULL_CATCHUP ?? 100_000);
const PAGE = 1000;
const TARGET_RATIO = 1.5;

/** The cursor after which about the last `n` ops of a log of `size` lie (undefined: the start). */
const startFor = (marks: readonly Mark[], size: number, n: number): string | undefined => {
  if (size <= n) return undefined;
  let best: Mark | undefined;
  for (const mark of marks) if (mark.size <= size - n) best = mark;
  return best?.cursor;
};

const main = async (): Promise<void> => {
  const largest = SIZES.at(-1) ?? 0;
  const config = datasetOf(Math.ceil(largest / 4) + 1);
  const fresh = await freshStore('sqlite');
  const rows: ResultRow[] = [];
  const perThousand: number[] = [];
  try {
    const principals = join(fresh.dir, 'principals.json');
    await writePrincipals(principals, facilitiesOf(config));
    const builder = new LogBuilder(config);
    for (const [index, size] of SIZES.entries()) {
      const log = await openLog(fresh.store);
      const buildStarted = performance.now();
      try {
        if (index === 0) await builder.seed(log);
        await builder.next(log, size - builder.size);
      } finally {
        await log.close();
      }
      console.error(
        `pull: log of ${count(builder.size)} ops built in ${((performance.now() - buildStarted) / 1000).toFixed(0)} s`,
      );
      const server = await startBenchServer(fresh.store, principals);
      try {
        const after = startFor(builder.marks, builder.size, CATCH_UP);
        // Untimed: the server's JIT and caches warm up on a first page.
        await catchUp(server.url, ADMIN_TOKEN, 'bench-reader-warm', after, PAGE).catch(
          () => undefined,
        );
        const run = await catchUp(server.url, ADMIN_TOKEN, `bench-reader-${index}`, after, PAGE);
        const ms = (run.seconds * 1000 * 1000) / run.ops;
        perThousand.push(ms);
        rows.push({
          'log (ops)': count(builder.size),
          'caught up (ops)': count(run.ops),
          pages: run.pages,
          seconds: run.seconds.toFixed(2),
          'ops/s': count(run.ops / run.seconds),
          'ms per 1,000 ops': ms.toFixed(1),
        });
        console.error(`pull at ${count(builder.size)}: ${ms.toFixed(1)} ms per 1,000 ops`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await fresh.remove();
  }
  const ratio = (perThousand.at(-1) ?? 0) / (perThousand[0] ?? 1);
  rows.push({
    'log (ops)': `ratio ${count(SIZES.at(-1) ?? 0)} / ${count(SIZES[0] ?? 0)}`,
    'ms per 1,000 ops': ratio.toFixed(2),
    'caught up (ops)': `target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}`,
  });
  await report('pull', rows, { sizes: SIZES, catchUp: CATCH_UP, page: PAGE, dataset: config });
};

await main();
