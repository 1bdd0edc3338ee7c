/**
 * Pull as the log grows: catching up PULL_CATCHUP ops (default 100,000) over HTTP from the real
 * server, from logs of PULL_SIZES ops (default 10,000, 100,000 and 1,000,000; a log smaller
 * than the catch-up is read whole). The reader is an admin's device (it reads the log itself),
 * in pages of 1,000. The time per 1,000 ops must stay flat: the figure is the ratio of the
 * largest log's to the smallest's. A catch-up of at most `RECENT_OPS` ops is served from the
 * server's cache of decoded ops (the untimed warm-up fills it), so the table says which were, and
 * adds the ratio of the two largest logs' catch-ups when neither was: the log's size alone.
 *
 * One SQLite log grows in process; at each size a copy of its file is kept, and one server per
 * size serves its copy. The catch-ups then run in PULL_ROUNDS rounds (default 3), each round
 * measuring every size once in a rotated order, and each size's figure is its median: a burst of
 * load from elsewhere on a shared machine then falls on every size alike instead of on one, so
 * the ratio compares like with like.
 *
 *   npm run bench -- pull
 *   PULL_SIZES=10000,100000 npm run bench -- pull      (about a minute)
 */
import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RECENT_OPS } from '../src/log/op-rows.ts';
import { datasetOf, facilitiesOf } from './data/immunization-dataset.ts';
import { ADMIN_TOKEN, writePrincipals } from './harness/bench-principals.ts';
import { count, type ResultRow, report } from './harness/bench-results.ts';
import { type BenchServer, startBenchServer } from './harness/bench-server.ts';
import { freshStore } from './harness/bench-stores.ts';
import { LogBuilder, type Mark } from './harness/build-log.ts';
import { catchUp } from './harness/catch-up.ts';
import { openLog } from './harness/open-log.ts';
import { median } from './harness/percentile.ts';

const SIZES = (process.env.PULL_SIZES ?? '10000,100000,1000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const CATCH_UP = Number(process.env.PULL_CATCHUP ?? 100_000);
const ROUNDS = Number(process.env.PULL_ROUNDS ?? 3);
const PAGE = 1000;
const TARGET_RATIO = 1.5;

/** The cursor after which about the last `n` ops of a log of `size` lie (undefined: the start). */
const startFor = (marks: readonly Mark[], size: number, n: number): string | undefined => {
  if (size <= n) return undefined;
  let best: Mark | undefined;
  for (const mark of marks) if (mark.size <= size - n) best = mark;
  return best?.cursor;
};

/** Copies an SQLite log (closed, so its WAL is checkpointed; a leftover WAL is copied too). */
const copyLog = async (from: string, to: string): Promise<void> => {
  await copyFile(from, to);
  const wal = await stat(`${from}-wal`).catch(() => undefined);
  if (wal !== undefined && wal.size > 0) await copyFile(`${from}-wal`, `${to}-wal`);
};

/** One size under test: its copy of the log, its server, where a catch-up starts. */
interface Subject {
  readonly size: number;
  readonly path: string;
  readonly after: string | undefined;
  server?: BenchServer;
  readonly msPerThousand: number[];
  ops: number;
  pages: number;
}

const main = async (): Promise<void> => {
  const largest = SIZES.at(-1) ?? 0;
  const config = datasetOf(Math.ceil(largest / 4) + 1);
  const fresh = await freshStore('sqlite');
  const rows: ResultRow[] = [];
  const subjects: Subject[] = [];
  try {
    if (fresh.store.kind !== 'sqlite') throw new Error('the pull benchmark runs on SQLite');
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
      const path = join(fresh.dir, `log-${size}.db`);
      await copyLog(fresh.store.path, path);
      subjects.push({
        size: builder.size,
        path,
        after: startFor(builder.marks, builder.size, CATCH_UP),
        msPerThousand: [],
        ops: 0,
        pages: 0,
      });
      console.error(
        `pull: log of ${count(builder.size)} ops built in ${((performance.now() - buildStarted) / 1000).toFixed(0)} s`,
      );
    }
    for (const subject of subjects) {
      subject.server = await startBenchServer({ kind: 'sqlite', path: subject.path }, principals);
      // Untimed: the server's JIT and caches warm up on a first catch-up.
      await catchUp(subject.server.url, ADMIN_TOKEN, 'bench-reader-warm', subject.after, PAGE);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < subjects.length; k++) {
        const subject = subjects[(round + k) % subjects.length];
        if (subject?.server === undefined) continue;
        const run = await catchUp(
          subject.server.url,
          ADMIN_TOKEN,
          `bench-reader-${round}`,
          subject.after,
          PAGE,
        );
        const ms = (run.seconds * 1000 * 1000) / run.ops;
        subject.msPerThousand.push(ms);
        subject.ops = run.ops;
        subject.pages = run.pages;
        console.error(
          `pull round ${round + 1}/${ROUNDS} at ${count(subject.size)}: ${ms.toFixed(1)} ms per 1,000 ops`,
        );
      }
    }
  } finally {
    await Promise.all(subjects.map((s) => s.server?.stop()));
    await fresh.remove();
  }
  for (const subject of subjects) {
    rows.push({
      'log (ops)': count(subject.size),
      'caught up (ops)': count(subject.ops),
      pages: subject.pages,
      rounds: subject.msPerThousand.map((ms) => ms.toFixed(1)).join(' / '),
      // The untimed warm-up catch-up leaves the server's last RECENT_OPS decoded ops in its
      // cache: a catch-up no longer than that is served from it, a longer one overwrites it.
      'from the op cache': subject.ops <= RECENT_OPS ? 'yes' : 'no',
      'ops/s (median)': count(1_000_000 / median(subject.msPerThousand)),
      'ms per 1,000 ops (median)': median(subject.msPerThousand).toFixed(1),
    });
  }
  const ratio =
    median(subjects.at(-1)?.msPerThousand ?? []) / median(subjects[0]?.msPerThousand ?? []);
  rows.push({
    'log (ops)': `ratio ${count(SIZES.at(-1) ?? 0)} / ${count(SIZES[0] ?? 0)}`,
    'ms per 1,000 ops (median)': ratio.toFixed(2),
    'caught up (ops)': `target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? 'met' : 'NOT met'}`,
  });
  // The same catch-up from the two largest logs, neither served from the op cache: what the
  // log's size alone costs.
  const [secondLog, largestLog] = subjects.slice(-2);
  if (
    subjects.length >= 3 &&
    secondLog !== undefined &&
    largestLog !== undefined &&
    secondLog.ops > RECENT_OPS &&
    largestLog.ops > RECENT_OPS
  ) {
    rows.push({
      'log (ops)': `ratio ${count(largestLog.size)} / ${count(secondLog.size)}`,
      'ms per 1,000 ops (median)': (
        median(largestLog.msPerThousand) / median(secondLog.msPerThousand)
      ).toFixed(2),
      'caught up (ops)': 'the log size alone',
    });
  }
  await report('pull', rows, {
    sizes: SIZES,
    catchUp: CATCH_UP,
    page: PAGE,
    rounds: ROUNDS,
    dataset: config,
  });
};

await main();
