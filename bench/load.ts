/**
 * Load: LOAD_DEVICES concurrent devices (default 50), each a real replica (`createReplica`, in
 * memory, over HTTP) writing LOAD_OPS ops (default 2,000) and syncing every LOAD_SYNC_EVERY ops
 * (default 50). A quarter of the ops edit documents that every device of its facility shares
 * (LOAD_SHARED patients and records per facility, default 20), so concurrent writes conflict
 * all the time; the rest create and edit the device's own patients and records. Devices belong to health workers and supervisors of
 * three facilities. First against one server on SQLite, then (when DATABASE_URL is set) against
 * two server instances on one Postgres database, in a schema of their own, the devices split
 * between them.
 *
 * After a final clean sync it checks that nothing was lost or duplicated (every op a device
 * wrote is in the log exactly once, and the log holds nothing else of theirs), that every
 * replica equals the server's projection of its facility, and that `POST /v1/verify` is ok.
 * It prints the ops acknowledged per second during the write phase and the push latency
 * percentiles (measured in the devices' process, answer read whole). Exits 1 when a check fails.
 *
 *   npm run bench -- load
 *   LOAD_DEVICES=10 LOAD_OPS=200 npm run bench -- load
 *
 * Not a test: figures depend on the machine. Traffic goes to 127.0.0.1 only.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import pg from 'pg';
import { createReplica, type Replica } from '../src/client/replica.ts';
import { httpTransport } from '../src/client/transports/http-transport.ts';
import type { AuthorRole } from '../src/domain/principal.ts';
import { startBenchServer } from './harness/bench-server.ts';

const DEVICES = Number(process.env.LOAD_DEVICES ?? 50);
const OPS = Number(process.env.LOAD_OPS ?? 2000);
const SYNC_EVERY = Number(process.env.LOAD_SYNC_EVERY ?? 50);
const SHARED = Number(process.env.LOAD_SHARED ?? 20);
const FACILITIES = ['fac-north', 'fac-south', 'fac-west'] as const;
type Facility = (typeof FACILITIES)[number];

interface User {
  readonly token: string;
  readonly userId: string;
  readonly role: AuthorRole;
  readonly facility: Facility;
}

/** Three health workers and a supervisor per facility, and an admin for the checks. */
const USERS: readonly User[] = FACILITIES.flatMap((facility) => [
  ...[1, 2, 3].map((i) => ({
    token: `load-${facility}-hw${i}-token-00000`,
    userId: `${facility}-hw${i}`,
    role: 'health_worker' as const,
    facility,
  })),
  {
    token: `load-${facility}-sup-token-000000`,
    userId: `${facility}-sup`,
    role: 'supervisor' as const,
    facility,
  },
]);
const ADMIN_TOKEN = 'load-admin-token-0000000000';

const principalsText = (): string =>
  JSON.stringify([
    ...USERS.map((u) => ({
      token: u.token,
      userId: u.userId,
      role: u.role,
      facilityIds: [u.facility],
    })),
    { token: ADMIN_TOKEN, userId: 'load-admin', role: 'admin', facilityIds: ['*'] },
  ]);

// ---------------------------------------------------------------------------------------------
// The server

// ---------------------------------------------------------------------------------------------
// Devices

/** Push latencies (ms), every one measured. */
const pushLatencies: number[] = [];

/** `fetch` that times pushes, reading the answer whole. */
const timingFetch: typeof fetch = async (input, init) => {
  const isPush = init?.method === 'POST' && String(input).includes('/v1/push');
  const started = performance.now();
  const response = await fetch(input, init);
  if (!isPush) return response;
  const body = await response.arrayBuffer();
  pushLatencies.push(performance.now() - started);
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
};

interface Device {
  readonly id: string;
  readonly user: User;
  readonly replica: Replica;
  /** `deviceId:seq` of every op it wrote. */
  readonly written: string[];
}

const openDevice = async (url: string, id: string, user: User): Promise<Device> => ({
  id,
  user,
  written: [],
  replica: await createReplica({
    deviceId: id,
    principal: { userId: user.userId, role: user.role },
    transport: httpTransport({
      baseUrl: url,
      token: user.token,
      timeoutMs: 120_000,
      fetch: timingFetch,
    }),
    backoff: { baseMs: 50, maxMs: 1000 },
  }),
});

const syncUntilOk = async (device: Device): Promise<void> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const report = await device.replica.sync();
    if (report.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
  }
  const status = await device.replica.status();
  throw new Error(`${device.id}: sync kept failing: ${status.lastError?.message ?? '?'}`);
};

/** A small seeded generator (mulberry32). */
const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const NAMES = ['Abena Mensah', 'Abena Mensa', 'Abena K. Mensah', 'Akosua Mensah'];
const TOWNS = ['Tamale', 'Savelugu', 'Yendi', 'Bolgatanga'];
const BATCHES = ['B-1', 'B-2', 'B-3', 'B-4'];

const sharedPatient = (facility: Facility, i: number): string => `${facility}-shared-p${i}`;
const sharedRecord = (facility: Facility, i: number): string => `${facility}-shared-r${i}`;

const patient = (fullName: string, facilityId: Facility) => ({
  fullName,
  sex: 'F' as const,
  dateOfBirth: '2024-01-02',
  facilityId,
});

const record = (patientId: string, facilityId: Facility, doseNumber: number) => ({
  patientId,
  vaccineId: 'vac-penta',
  doseNumber,
  dateAdministered: '2024-03-01',
  facilityId,
});

/** Records the op a mutation wrote (a refusal is a bug of the script). */
const wrote = (
  device: Device,
  result: E.Either<{ readonly message: string }, { readonly seq: number }>,
): void => {
  if (E.isLeft(result)) throw new Error(`${device.id} refused a write: ${result.left.message}`);
  device.written.push(`${device.id}:${result.right.seq}`);
};

/** The shared documents of each facility, written by its first device. */
const seedShared = async (devices: readonly Device[]): Promise<void> => {
  for (const facility of FACILITIES) {
    const seeder = devices.find((d) => d.user.facility === facility);
    if (seeder === undefined) continue;
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
  }
  for (const device of devices) await syncUntilOk(device);
};

/** One device's work: OPS writes, a sync every SYNC_EVERY of them. */
const work = async (device: Device, index: number): Promise<void> => {
  const random = seeded(index + 1);
  const pickOf = <T>(values: readonly T[]): T => {
    const value = values[Math.floor(random() * values.length)];
    if (value === undefined) throw new Error('empty choice');
    return value;
  };
  const facility = device.user.facility;
  const own: string[] = [];
  const r = device.replica;
  for (let n = 0; n < OPS; n++) {
    const choice = random();
    const shared = Math.floor(random() * SHARED);
    if (choice < 0.15) {
      wrote(
        device,
        await r.patients.update(sharedPatient(facility, shared), {
          fullName: pickOf(NAMES),
          townVillage: pickOf(TOWNS),
        }),
      );
    } else if (choice < 0.25) {
      wrote(
        device,
        await r.immunizationRecords.update(sharedRecord(facility, shared), {
          batchNumber: pickOf(BATCHES),
          notes: `n${n}`,
        }),
      );
    } else if (choice < 0.3) {
      wrote(
        device,
        await r.notifications.create({
          userId: device.user.userId,
          patientId: sharedPatient(facility, shared),
          type: 'dose_due',
          message: `m${n}`,
          read: false,
        }),
      );
    } else if (choice < 0.55 || own.length === 0) {
      const docId = `${device.id}-p${n}`;
      wrote(device, await r.patients.create(patient(`Own ${n}`, facility), docId));
      own.push(docId);
    } else if (choice < 0.8) {
      wrote(device, await r.patients.update(pickOf(own), { townVillage: pickOf(TOWNS) }));
    } else {
      wrote(device, await r.immunizationRecords.create(record(pickOf(own), facility, 1 + (n % 3))));
    }
    if ((n + 1) % SYNC_EVERY === 0) await syncUntilOk(device);
  }
  await syncUntilOk(device);
};

// ---------------------------------------------------------------------------------------------
// Checks

const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };

const prop = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;

const getJson = async (url: string, path: string): Promise<unknown> => {
  const response = await fetch(`${url}${path}`, { headers: ADMIN });
  if (response.status !== 200)
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
};

/** Every dot in the log, in log order. */
const logDots = async (url: string): Promise<string[]> => {
  const dots: string[] = [];
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '5000', ...(after === undefined ? {} : { after }) });
    const page = await getJson(url, `/v1/pull?${query}`);
    const ops = prop(page, 'ops');
    for (const op of Array.isArray(ops) ? ops : []) {
      dots.push(`${String(prop(op, 'deviceId'))}:${String(prop(op, 'seq'))}`);
    }
    if (prop(page, 'hasMore') !== true) return dots;
    after = String(prop(page, 'next'));
  }
};

/** The projection, `collection/docId` → `{data, deleted}`. */
const projection = async (
  url: string,
): Promise<Map<string, { data: unknown; deleted: unknown }>> => {
  const docs = new Map<string, { data: unknown; deleted: unknown }>();
  let page: string | null = null;
  do {
    const answer = await getJson(
      url,
      `/v1/snapshot${page === null ? '' : `?page=${encodeURIComponent(page)}`}`,
    );
    const list = prop(answer, 'docs');
    for (const doc of Array.isArray(list) ? list : []) {
      docs.set(`${String(prop(doc, 'collection'))}/${String(prop(doc, 'docId'))}`, {
        data: prop(doc, 'data'),
        deleted: prop(doc, 'deleted'),
      });
    }
    const next = prop(answer, 'nextPage');
    page = typeof next === 'string' ? next : null;
  } while (page !== null);
  return docs;
};

const COLLECTIONS = ['patients', 'immunization_records', 'notifications'] as const;

/** The problems found (empty: all good). */
const check = async (url: string, devices: readonly Device[]): Promise<string[]> => {
  const problems: string[] = [];
  const dots = await logDots(url);
  const counts = new Map<string, number>();
  for (const dot of dots) counts.set(dot, (counts.get(dot) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1);
  if (twice.length > 0) problems.push(`${twice.length} dots logged twice, e.g. ${twice[0]?.[0]}`);
  const written = new Set(devices.flatMap((d) => d.written));
  const lost = [...written].filter((dot) => !counts.has(dot));
  if (lost.length > 0) problems.push(`${lost.length} written ops not in the log, e.g. ${lost[0]}`);
  const ids = new Set(devices.map((d) => d.id));
  const foreign = dots.filter(
    (dot) => ids.has(dot.slice(0, dot.lastIndexOf(':'))) && !written.has(dot),
  );
  if (foreign.length > 0)
    problems.push(`${foreign.length} logged ops nobody wrote, e.g. ${foreign[0]}`);

  const docs = await projection(url);
  for (const device of devices) {
    if ((await device.replica.status()).pending !== 0)
      problems.push(`${device.id} still has pending ops`);
    let shown = 0;
    for (const collection of COLLECTIONS) {
      for (const doc of await device.replica
        .collection(collection)
        .list({ includeDeleted: true })) {
        shown += 1;
        const onServer = docs.get(`${collection}/${doc.docId}`);
        if (JSON.stringify({ data: doc.data, deleted: doc.deleted }) !== JSON.stringify(onServer)) {
          problems.push(`${device.id} differs from the server on ${collection}/${doc.docId}`);
          break;
        }
      }
    }
    const expected = [...docs].filter(([key, doc]) => {
      const collection = key.slice(0, key.indexOf('/'));
      if (!COLLECTIONS.some((c) => c === collection)) return false;
      const facilityId = prop(doc.data, 'facilityId');
      const patientId = prop(doc.data, 'patientId');
      return (
        facilityId === device.user.facility ||
        (collection === 'notifications' &&
          typeof patientId === 'string' &&
          patientId.startsWith(`${device.user.facility}-`))
      );
    }).length;
    if (shown !== expected)
      problems.push(`${device.id} shows ${shown} documents, the server ${expected}`);
  }
  const verify = await fetch(`${url}/v1/verify`, { method: 'POST', headers: ADMIN });
  const report: unknown = await verify.json();
  if (prop(report, 'ok') !== true)
    problems.push(`verify: ${JSON.stringify(prop(report, 'problems')).slice(0, 500)}`);
  return problems;
};

/**
 * The server-side push latency at percentile `p`, from the servers' `/metrics` histograms, for
 * people: the upper bound of the bucket it falls in (`<= 250 ms`), or `> 10000 ms` past the
 * largest. Free of the devices' own event-loop delays.
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

/** One run: devices spread over `urls` round-robin. */
const runLoad = async (label: string, urls: readonly string[]): Promise<Figures> => {
  pushLatencies.length = 0;
  const devices: Device[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const user = USERS[i % USERS.length];
    const url = urls[i % urls.length];
    if (user === undefined || url === undefined) throw new Error('no user or url');
    devices.push(await openDevice(url, `load-${label}-d${i}`, user));
  }
  try {
    await seedShared(devices);
    pushLatencies.length = 0;
    const before = devices.reduce((sum, d) => sum + d.written.length, 0);
    const started = performance.now();
    const progress = setInterval(() => {
      const done = devices.reduce((sum, d) => sum + d.written.length, 0) - before;
      const elapsed = (performance.now() - started) / 1000;
      console.log(
        `  ${label}: ${done} ops written after ${elapsed.toFixed(0)} s, ${pushLatencies.length} pushes`,
      );
    }, 30_000);
    try {
      await Promise.all(devices.map((device, i) => work(device, i)));
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - started) / 1000;
    const ops = devices.reduce((sum, d) => sum + d.written.length, 0) - before;
    const latencies = [...pushLatencies].sort((a, b) => a - b);
    for (let round = 0; round < 2; round++) {
      for (const device of devices) await syncUntilOk(device);
    }
    const [first] = urls;
    if (first === undefined) throw new Error('no url');
    const serverP99 = await serverPushPercentile(urls, 99);
    const problems = await check(first, devices);
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
    for (const device of devices) await device.replica.close();
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
      `load: ${DEVICES} devices × ${OPS} ops, a sync every ${SYNC_EVERY} ops, ${SHARED} shared patients and records per facility`,
    );
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
    const databaseUrl = process.env.DATABASE_URL;
    if (databaseUrl === undefined || databaseUrl === '') {
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
  if (results.some((r) => r.problems.length > 0)) process.exit(1);
};

await main();
