/**
 * Load: LOAD_DEVICES concurrent devices (default 50), each a real replica (`createReplica`, in
 * memory, over HTTP) writing LOAD_OPS ops (default 2,000) and syncing every LOAD_SYNC_EVERY ops
 * (default 50). A quarter of the ops edit documents that every device of its facility shares
 * (LOAD_SHARED patients and records per facility, default 20), so concurrent writes conflict
 * all the time; the rest create and edit the device's own patients and records. Devices belong
 * to health workers and supervisors of three facilities and run in LOAD_PROCESSES device
 * processes (default 2: `bench/harness/load-devices.ts`), so that one event loop does not
 * throttle fifty devices. First against one server on SQLite, then (when DATABASE_URL is set)
 * against two server instances on one Postgres database, in a schema of their own, the devices
 * split between them.
 *
 * After a final clean sync it checks that nothing was lost or duplicated (every op a device
 * wrote is in the log exactly once, and the log holds nothing else of theirs), that every
 * replica equals the server's projection of its facility, and that `POST /v1/verify` is ok.
 * It prints the ops acknowledged per second during the write phase and the push latency
 * percentiles (measured in the device processes, answer read whole, and from the servers'
 * metrics). Exits 1 when a check fails.
 *
 *   npm run bench -- load
 *   LOAD_DEVICES=10 LOAD_OPS=200 npm run bench -- load
 *
 * Not a test: figures depend on the machine. Traffic goes to 127.0.0.1 only.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { count, report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import {
  ADMIN_TOKEN,
  FACILITIES,
  type FromDevices,
  type LoadDevice,
  openDevice,
  patient,
  principalsText,
  record,
  sharedPatient,
  sharedRecord,
  syncUntilOk,
  type ToDevices,
  USERS,
  wrote,
} from './harness/load-plan.ts';

const DEVICES = Number(process.env.LOAD_DEVICES ?? 50);
const OPS = Number(process.env.LOAD_OPS ?? 2000);
const SYNC_EVERY = Number(process.env.LOAD_SYNC_EVERY ?? 50);
const SHARED = Number(process.env.LOAD_SHARED ?? 20);
const PROCESSES = Math.max(1, Math.min(DEVICES, Number(process.env.LOAD_PROCESSES ?? 2)));
const DEVICE_PROCESS = fileURLToPath(new URL('./harness/load-devices.ts', import.meta.url));

// ---------------------------------------------------------------------------------------------
// Device processes

/** A device process and the messages it sent, awaited by kind. */
class DeviceProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, (message: FromDevices) => void>();
  readonly #exited: Promise<void>;
  ops = 0;
  pushes = 0;
  #failure: string | undefined;

  constructor() {
    this.#child = fork(DEVICE_PROCESS, [], { execArgv: ['--import', 'tsx'] });
    this.#child.on('message', (raw) => {
      const message = raw as FromDevices;
      if (message.kind === 'progress') {
        this.ops = message.ops;
        this.pushes = message.pushes;
        return;
      }
      if (message.kind === 'failed') {
        this.#fail(message.message);
        return;
      }
      this.#waiting.get(message.kind)?.(message);
    });
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', (code) => {
        if (code !== 0) this.#fail(`a device process exited with ${code}`);
        resolve();
      }),
    );
  }

  #fail(message: string): void {
    this.#failure ??= message;
    for (const resolve of this.#waiting.values()) resolve({ kind: 'failed', message });
  }

  send(message: ToDevices): void {
    this.#child.send(message);
  }

  /** The next message of `kind`; a failure of the process throws. */
  async expect<K extends FromDevices['kind']>(kind: K): Promise<Extract<FromDevices, { kind: K }>> {
    if (this.#failure !== undefined) throw new Error(this.#failure);
    const message = await new Promise<FromDevices>((resolve) => this.#waiting.set(kind, resolve));
    this.#waiting.delete(kind);
    if (message.kind === 'failed') throw new Error(message.message);
    return message as Extract<FromDevices, { kind: K }>;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    await this.#exited;
  }
}

// ---------------------------------------------------------------------------------------------
// Checks

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

const prop = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;

/** Every dot in the log, in log order. */
const logDots = async (url: string): Promise<string[]> => {
  const dots: string[] = [];
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '5000', ...(after === undefined ? {} : { after }) });
    const response = await fetch(`${url}/v1/pull?${query}`, { headers: ADMIN });
    if (response.status !== 200) throw new Error(`pull: ${response.status}`);
    const page: unknown = await response.json();
    const ops = prop(page, 'ops');
    for (const op of Array.isArray(ops) ? ops : []) {
      dots.push(`${String(prop(op, 'deviceId'))}:${String(prop(op, 'seq'))}`);
    }
    if (prop(page, 'hasMore') !== true) return dots;
    after = String(prop(page, 'next'));
  }
};

/** The log's problems: an op lost, logged twice, or logged though no device wrote it. */
const checkLog = async (
  url: string,
  written: ReadonlySet<string>,
  deviceIds: ReadonlySet<string>,
): Promise<string[]> => {
  const problems: string[] = [];
  const dots = await logDots(url);
  const counts = new Map<string, number>();
  for (const dot of dots) counts.set(dot, (counts.get(dot) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1);
  if (twice.length > 0) problems.push(`${twice.length} dots logged twice, e.g. ${twice[0]?.[0]}`);
  const lost = [...written].filter((dot) => !counts.has(dot));
  if (lost.length > 0) problems.push(`${lost.length} written ops not in the log, e.g. ${lost[0]}`);
  const foreign = dots.filter(
    (dot) => deviceIds.has(dot.slice(0, dot.lastIndexOf(':'))) && !written.has(dot),
  );
  if (foreign.length > 0)
    problems.push(`${foreign.length} logged ops nobody wrote, e.g. ${foreign[0]}`);
  const verify = await fetch(`${url}/v1/verify`, { method: 'POST', headers: ADMIN });
  const report: unknown = await verify.json();
  if (prop(report, 'ok') !== true)
    problems.push(`verify: ${JSON.stringify(prop(report, 'problems')).slice(0, 500)}`);
  return problems;
};

/**
 * The server-side push latency at percentile `p`, from the servers' `/metrics` histograms, for
 * people: the upper bound of the bucket it falls in (`<= 250 ms`), or `> 10000 ms` past the
 * largest. It counts from the request's arrival, so a device process too busy to send its
 * body promptly shows here too.
 */
const serverPushPercentile = async (urls: readonly string[], p: number): Promise<string> => {
  const buckets = new Map<number, number>();
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`, { headers: ADMIN })).text();
    for (const line of text.split('\n')) {
      const match = /^immune_sync_push_duration_seconds_bucket\{.*le="([^"]+)".*\} (\d+)/.exec(
        line,
      );
      if (match?.[1] === undefined || match[2] === undefined) continue;
      const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
      buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
    }
  }
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  const bound = sorted.find(([, cumulative]) => cumulative >= (p / 100) * total)?.[0];
  if (bound === undefined) return 'unknown';
  if (Number.isFinite(bound)) return `<= ${bound * 1000} ms`;
  const largest = sorted.filter(([le]) => Number.isFinite(le)).at(-1)?.[0] ?? 0;
  return `> ${largest * 1000} ms`;
};

// ---------------------------------------------------------------------------------------------
// Runs

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN);

interface Figures {
  readonly label: string;
  readonly ops: number;
  readonly seconds: number;
  readonly pushes: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly serverP99: string;
  readonly problems: readonly string[];
}

/** The shared documents of each facility, written by a seeding device of the facility. */
const seedShared = async (label: string, url: string): Promise<LoadDevice[]> => {
  const seeders: LoadDevice[] = [];
  for (const facility of FACILITIES) {
    const user = USERS.find((u) => u.facility === facility);
    if (user === undefined) continue;
    const seeder = await openDevice(url, `load-${label}-seed-${facility}`, user);
    for (let i = 0; i < SHARED; i++) {
      const p = sharedPatient(facility, i);
      wrote(seeder, await seeder.replica.patients.create(patient(p, facility), p));
      wrote(
        seeder,
        await seeder.replica.immunizationRecords.create(
          record(p, facility, 1),
          sharedRecord(facility, i),
        ),
      );
    }
    await syncUntilOk(seeder);
    seeders.push(seeder);
  }
  return seeders;
};

/** One run: devices spread over `urls` round-robin and over the device processes. */
const runLoad = async (label: string, urls: readonly string[]): Promise<Figures> => {
  const [first] = urls;
  if (first === undefined) throw new Error('no url');
  const seeders = await seedShared(label, first);
  const processes = Array.from({ length: PROCESSES }, () => new DeviceProcess());
  try {
    for (const [w, child] of processes.entries()) {
      const devices = [];
      for (let i = w; i < DEVICES; i += PROCESSES) {
        devices.push({ index: i, url: urls[i % urls.length] ?? first });
      }
      child.send({
        kind: 'start',
        label,
        devices,
        ops: OPS,
        syncEvery: SYNC_EVERY,
        shared: SHARED,
        checkUrl: first,
      });
    }
    const started = performance.now();
    const progress = setInterval(() => {
      const done = processes.reduce((sum, p) => sum + p.ops, 0);
      const pushes = processes.reduce((sum, p) => sum + p.pushes, 0);
      const elapsed = (performance.now() - started) / 1000;
      console.log(
        `  ${label}: ${done} ops written after ${elapsed.toFixed(0)} s, ${pushes} pushes`,
      );
    }, 30_000);
    const reports = await Promise.all(processes.map((p) => p.expect('written'))).finally(() =>
      clearInterval(progress),
    );
    const seconds = Math.max(...reports.map((r) => r.seconds));
    const ops = reports.reduce((sum, r) => sum + r.written.length, 0);
    const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
    for (const child of processes) child.send({ kind: 'settle' });
    await Promise.all(processes.map((p) => p.expect('settled')));
    const serverP99 = await serverPushPercentile(urls, 99);
    for (const child of processes) child.send({ kind: 'check' });
    const checked = await Promise.all(processes.map((p) => p.expect('checked')));
    const written = new Set([
      ...seeders.flatMap((s) => s.written),
      ...reports.flatMap((r) => r.written),
    ]);
    const deviceIds = new Set([
      ...seeders.map((s) => s.id),
      ...Array.from({ length: DEVICES }, (_, i) => `load-${label}-d${i}`),
    ]);
    const problems = [
      ...(await checkLog(first, written, deviceIds)),
      ...checked.flatMap((c) => c.problems),
    ];
    return {
      label,
      ops,
      seconds,
      pushes: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
      serverP99,
      problems,
    };
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    for (const seeder of seeders) await seeder.replica.close();
  }
};

const print = (f: Figures): void => {
  console.log(
    `${f.label}: ${f.ops} ops from ${DEVICES} devices in ${f.seconds.toFixed(1)} s = ${(f.ops / f.seconds).toFixed(0)} ops/s; ` +
      `${f.pushes} pushes, latency p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms (at the devices); server-side p99 ${f.serverP99}; ` +
      (f.problems.length === 0
        ? 'checks: nothing lost or duplicated, replicas equal the server, verify ok'
        : `PROBLEMS:\n  ${f.problems.slice(0, 20).join('\n  ')}`),
  );
};

const main = async (): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-load-'));
  const principals = join(dir, 'principals.json');
  await writeFile(principals, principalsText());
  const results: Figures[] = [];
  try {
    console.log(
      `load: ${DEVICES} devices × ${OPS} ops in ${PROCESSES} device processes, a sync every ${SYNC_EVERY} ops, ${SHARED} shared patients and records per facility`,
    );
    if (process.env.LOAD_BACKENDS?.includes('sqlite') ?? true) {
      const sqlite = await startBenchServer(
        { kind: 'sqlite', path: join(dir, 'load.db') },
        principals,
      );
      try {
        const figures = await runLoad('sqlite', [sqlite.url]);
        results.push(figures);
        print(figures);
      } finally {
        await sqlite.stop();
      }
    }
    const databaseUrl = process.env.DATABASE_URL;
    if (!(process.env.LOAD_BACKENDS?.includes('postgres') ?? true)) {
      console.log('postgres: not in LOAD_BACKENDS, skipped');
    } else if (databaseUrl === undefined || databaseUrl === '') {
      console.log('postgres: DATABASE_URL not set, skipped');
    } else {
      const schema = `load_${process.pid}_${Date.now().toString(36)}`;
      const store = { kind: 'postgres' as const, url: databaseUrl, schema };
      const first = await startBenchServer(store, principals);
      const second = await startBenchServer(store, principals).catch(async (error: unknown) => {
        await first.stop();
        throw error;
      });
      try {
        const figures = await runLoad('postgres-2x', [first.url, second.url]);
        results.push(figures);
        print(figures);
      } finally {
        await Promise.all([first.stop(), second.stop()]);
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await report(
    'load',
    results.map((f) => ({
      backend: f.label,
      ops: count(f.ops),
      'wall (s)': f.seconds.toFixed(1),
      'ops/s': (f.ops / f.seconds).toFixed(0),
      pushes: count(f.pushes),
      'push p50 at the devices (ms)': f.p50.toFixed(1),
      'push p99 at the devices (ms)': f.p99.toFixed(1),
      'push max (ms)': f.max.toFixed(1),
      'server-side p99': f.serverP99,
      checks: f.problems.length === 0 ? 'passed' : `${f.problems.length} problems`,
    })),
    {
      devices: DEVICES,
      opsPerDevice: OPS,
      syncEvery: SYNC_EVERY,
      shared: SHARED,
      processes: PROCESSES,
      results,
    },
  );
  if (results.some((r) => r.problems.length > 0)) process.exit(1);
};

await main();
