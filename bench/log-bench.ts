/**
 * The operation log's benchmark (not a test): append throughput in batches of 500 ops, and the
 * time to read 1,000 ops after a cursor, at log sizes of 10k, 100k and (with LOG_BENCH_1M=1)
 * 1M ops, on SQLite (a WAL file, synchronous FULL) and, when DATABASE_URL is set, Postgres.
 *
 *   node --import tsx bench/log-bench.ts
 *   LOG_BENCH_1M=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node --import tsx bench/log-bench.ts
 *
 * The ops are patient creates from four devices, two of facility A and two of facility B, so a
 * health worker of A reads every other op through the visibility index, while an admin reads the
 * log itself. Reads start at the middle of the log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { openPostgresLog } from '../src/adapters/postgres/postgres-log.ts';
import { openSqliteLog } from '../src/adapters/sqlite/sqlite-log.ts';
import { SEED_DEVICE } from '../src/domain/ids.ts';
import { Principal } from '../src/domain/principal.ts';
import { peekCursor } from '../src/log/cursor.ts';
import type { IncomingOp, OperationLog } from '../src/log/operation-log.ts';
import type { SqlOperationLog } from '../src/log/sql-operation-log.ts';

const BATCH = 500;
const READ = 1000;
const READ_REPEATS = 5;
const SIZES = process.env.LOG_BENCH_1M === '1' ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];

const principalOf = (userId: string, role: string, facilityIds: readonly string[]): Principal => {
  const decoded = Principal.decode({ userId, role, facilityIds });
  if (E.isLeft(decoded)) throw new Error(`bad principal ${userId}`);
  return decoded.right;
};

const ADMIN = principalOf('bench-admin', 'admin', []);
const WORKERS = [
  { principal: principalOf('bench-a1', 'health_worker', ['fac-a']), facility: 'fac-a' },
  { principal: principalOf('bench-b1', 'health_worker', ['fac-b']), facility: 'fac-b' },
  { principal: principalOf('bench-a2', 'health_worker', ['fac-a']), facility: 'fac-a' },
  { principal: principalOf('bench-b2', 'health_worker', ['fac-b']), facility: 'fac-b' },
];
const READER = principalOf('bench-reader', 'health_worker', ['fac-a']);

interface BenchLog {
  readonly log: SqlOperationLog;
  dispose(): Promise<void>;
}

/** One row of the result table. */
interface Row {
  readonly backend: string;
  readonly size: number;
  readonly appendOpsPerSecond: number;
  readonly readAdminMs: number;
  readonly readFacilityMs: number;
}

const seed = async (log: OperationLog): Promise<void> => {
  const result = await log.appendAsServer(SEED_DEVICE, { userId: 'system', role: 'system' }, [
    {
      collection: 'facilities',
      docId: 'fac-a',
      kind: 'create',
      data: { name: 'A', district: 'D', region: 'R' },
    },
    {
      collection: 'facilities',
      docId: 'fac-b',
      kind: 'create',
      data: { name: 'B', district: 'D', region: 'R' },
    },
  ]);
  if (E.isLeft(result)) throw new Error(result.left.message);
};

/**
 * Appends `count` more ops in batches of 500, round robin over the devices; ops per second. The
 * cursor of each batch's first op goes to `cursors`.
 */
const appendOps = async (
  log: OperationLog,
  seqs: number[],
  cursors: string[],
  count: number,
): Promise<number> => {
  const started = performance.now();
  for (let done = 0; done < count; done += BATCH) {
    const index = (done / BATCH) % WORKERS.length;
    const worker = WORKERS[index];
    if (worker === undefined) throw new Error('no worker');
    const deviceId = `bench-tab-${index}`;
    const ops: IncomingOp[] = [];
    for (let i = 0; i < Math.min(BATCH, count - done); i++) {
      const seq = (seqs[index] ?? 0) + 1;
      seqs[index] = seq;
      ops.push({
        seq,
        raw: {
          deviceId,
          seq,
          hlc: { ms: Date.now(), n: 0 },
          collection: 'patients',
          docId: `p-${index}-${seq}`,
          kind: 'create',
          data: {
            fullName: 'Bench Patient',
            sex: 'F',
            dateOfBirth: '2020-01-01',
            facilityId: worker.facility,
          },
          ctx: {},
          schema: 1,
        },
      });
    }
    const result = await log.append({ principal: worker.principal, deviceId, ops });
    if (E.isLeft(result) || result.right.results.some((r) => r.status !== 'accepted')) {
      throw new Error(
        `a bench batch was not accepted: ${JSON.stringify(E.isLeft(result) ? result.left : result.right.results[0])}`,
      );
    }
    const first = result.right.results[0];
    if (first?.status === 'accepted') cursors.push(first.cursor);
  }
  return count / ((performance.now() - started) / 1000);
};

/** The median time to read 1,000 ops visible to `who` after `after`. */
const readTime = async (log: OperationLog, who: Principal, after: string): Promise<number> => {
  const times: number[] = [];
  // Untimed first reads: the JIT and the store's caches warm up.
  for (let i = 0; i < 2; i++) await log.readAfter(who, after, READ);
  for (let i = 0; i < READ_REPEATS; i++) {
    const started = performance.now();
    const page = await log.readAfter(who, after, READ);
    times.push(performance.now() - started);
    if (E.isLeft(page) || page.right.ops.length !== READ)
      throw new Error('a bench read came back short');
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
};

/** The cursor among `cursors` nearest to the middle of a log of `size` ops. */
const middleOf = (cursors: readonly string[], size: number): string => {
  const distance = (c: string) => Math.abs((peekCursor(c)?.at ?? 0) - size / 2);
  const best = [...cursors].sort((a, b) => distance(a) - distance(b))[0];
  if (best === undefined) throw new Error('no cursor to read after');
  return best;
};

const runBackend = async (name: string, open: () => Promise<BenchLog>): Promise<Row[]> => {
  const bench = await open();
  const rows: Row[] = [];
  try {
    await seed(bench.log);
    const seqs: number[] = [];
    const cursors: string[] = [];
    let size = 2;
    for (const target of SIZES) {
      const opsPerSecond = await appendOps(bench.log, seqs, cursors, target - size);
      size = target;
      const middle = middleOf(cursors, size);
      const row: Row = {
        backend: name,
        size,
        appendOpsPerSecond: opsPerSecond,
        readAdminMs: await readTime(bench.log, ADMIN, middle),
        readFacilityMs: await readTime(bench.log, READER, middle),
      };
      rows.push(row);
      console.error(`${name} at ${size} ops: ${JSON.stringify(row)}`);
    }
  } finally {
    await bench.dispose();
  }
  return rows;
};

const openSqlite = async (): Promise<BenchLog> => {
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-bench-'));
  const log = await openSqliteLog({ path: join(dir, 'bench.db') });
  return {
    log,
    dispose: async () => {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

const openPostgres = (connectionString: string) => async (): Promise<BenchLog> => {
  const schema = `log_bench_${randomBytes(4).toString('hex')}`;
  const log = await openPostgresLog({ connectionString, schema });
  return {
    log,
    dispose: async () => {
      await log.close();
      const client = new pg.Client({ connectionString });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
};

const table = (rows: readonly Row[]): string => {
  const header = [
    'backend',
    'log size (ops)',
    'append (ops/s, batches of 500)',
    'read 1,000 as admin (ms)',
    'read 1,000 as facility (ms)',
  ];
  const lines = rows.map((r) => [
    r.backend,
    r.size.toLocaleString('en'),
    Math.round(r.appendOpsPerSecond).toLocaleString('en'),
    r.readAdminMs.toFixed(1),
    r.readFacilityMs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
};

const main = async (): Promise<void> => {
  const rows = await runBackend('SQLite (WAL file)', openSqlite);
  const url = process.env.DATABASE_URL;
  if (url !== undefined) rows.push(...(await runBackend('Postgres', openPostgres(url))));
  else console.error('DATABASE_URL is not set: Postgres left out.');
  console.log(table(rows));
};

await main();
