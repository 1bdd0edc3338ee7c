/**
 * Against a peer: the same data set (PEER_PATIENTS patients, default 25,000, and three times as
 * many immunization records) replicated by PouchDB with pouchdb-server (LevelDB on both sides)
 * and by immune-sync (`createReplica` on SQLite, the real server on SQLite), over loopback, in
 * the same run: the initial sync of a fresh client, then the push of PEER_EDITS offline edits
 * (default 10,000: a patient's village changed). PouchDB runs twice, with its default replication
 * batch (100, the configuration the reference figures are of) and with batches of 1,000
 * (faster for it here). Documents per second, and immune-sync's multiple of each. With
 * PEER_ROUNDS=n the whole comparison runs n times, one round after the other, and the figures are
 * the medians (each round's multiples are listed beside them): on a shared machine one run of
 * each, minutes apart, can differ by half.
 *
 * Beside the wall time, each step's CPU seconds, of the client (this process: PouchDB's client or
 * the replica, every thread) and of the server's process together, and immune-sync's multiple
 * of PouchDB's documents per CPU-second: what each system costs the machine, which other load
 * on it changes less than it changes the wall time. The targets stay the wall-time multiples.
 *
 * Each server first serves a whole initial sync to one fresh client, the moment it has started
 * (its row says "server just started"); the figures of the target are of a second fresh client
 * against the same server, as a server in service is: its code compiled by the JIT, its caches
 * filled. That second client then makes and pushes the edits. Both systems get the same.
 *
 * The push is timed to where each system holds the edits on the server: PouchDB's push
 * replication ends there; immune-sync's sync cycle goes on to pull its own ops back (the device
 * settles them into its base), so the whole cycle is reported in a row of its own.
 *
 * Then each client registers PEER_REGISTRATIONS new patients offline (default 10,000; the data
 * set's first patients under new ids) and pushes them, timed the same way. Not a step of the
 * issue's comparison, which is of edits: PouchDB pushes new documents about twice as fast as
 * edits of the ones its server holds (its reference rate of ~1,600 docs/s pushing is of new
 * documents), and a health worker's offline day is mostly new records.
 *
 *   npm run bench -- peer                  (PEER_ROUNDS=3 for the README's figures)
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import PouchDB from 'pouchdb';
import { createReplica, type Replica } from '../src/client/replica.ts';
import { httpTransport } from '../src/client/transports/http-transport.ts';
import type { SyncTransport } from '../src/client/transports/sync-transport.ts';
import { Patient } from '../src/domain/collections/patients.ts';
import {
  type DatasetConfig,
  datasetOf,
  deviceOps,
  facilitiesOf,
  patientIdOf,
} from './data/immunization-dataset.ts';
import { ADMIN_TOKEN } from './harness/bench-principals.ts';
import { count, type ResultRow, report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import { freshStore } from './harness/bench-stores.ts';
import { datasetStore } from './harness/dataset-store.ts';
import { median } from './harness/percentile.ts';
import { startPouchServer } from './harness/pouchdb-server-process.ts';
import { retryingFetch } from './harness/retrying-fetch.ts';

const PATIENTS = Number(process.env.PEER_PATIENTS ?? 25_000);
const EDITS = Math.min(PATIENTS, Number(process.env.PEER_EDITS ?? 10_000));
/** New patients registered offline and pushed after the edits (PEER_REGISTRATIONS). */
const REGISTRATIONS = Math.min(PATIENTS, Number(process.env.PEER_REGISTRATIONS ?? 10_000));
/** Rounds of the whole comparison (PEER_ROUNDS, default 1); the figures are their medians. */
const ROUNDS = Math.max(1, Number(process.env.PEER_ROUNDS ?? 1));
const TARGET_MULTIPLE = 10;

/** Seconds of each measured step. */
interface Timings {
  readonly docs: number;
  /** The first fresh client's initial sync, the server just started. */
  readonly coldInitialSeconds: number;
  readonly coldInitialCpu: number;
  /** The second fresh client's initial sync, from the same server. */
  readonly initialSeconds: number;
  /** Until the server holds every edit: PouchDB's push replication, immune-sync's accepted push. */
  readonly pushSeconds: number;
  /** immune-sync: the whole sync cycle, the push and the pull that brings the edits back. */
  readonly cycleSeconds?: number;
  /** Until the server holds every new patient registered offline after the edits. */
  readonly registrationSeconds: number;
  /** CPU seconds of the initial sync and of the pushes, client and server together. */
  readonly initialCpu: number;
  readonly pushCpu: number;
  readonly registrationCpu: number;
}

/** When the server held a push's ops: the wall clock and the CPU seconds (`cpuNow`) then. */
interface Held {
  readonly at: number;
  readonly cpu: number;
}

/**
 * CPU seconds used so far by this process (the client: PouchDB's or the replica, every thread)
 * and by the server's process. Their difference over a step is what the step cost the machine,
 * which a shared machine's other load changes far less than it changes the wall time.
 */
const cpuNow = (server: { cpuSeconds(): number }): number => {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + server.cpuSeconds();
};

/** Runs `step`: its value, its seconds, and the CPU seconds of client and server (`cpuNow`). */
const timed = async <T>(
  server: { cpuSeconds(): number },
  step: () => Promise<T>,
): Promise<{ readonly value: T; readonly seconds: number; readonly cpu: number }> => {
  const cpuStarted = cpuNow(server);
  const started = performance.now();
  const value = await step();
  return {
    value,
    seconds: (performance.now() - started) / 1000,
    cpu: cpuNow(server) - cpuStarted,
  };
};

/**
 * The transport, noting when the server has answered every one of the device's ops up to seq
 * `awaiting` (set before each timed push) accepted (or duplicate: accepted before): the moment
 * they are durable on the server, which is where PouchDB's push replication ends. The sync
 * cycle goes on from there to pull them back.
 */
const answeringTransport = (
  inner: SyncTransport,
  cpu: () => number,
): {
  readonly transport: SyncTransport;
  /** Starts watching for the answers up to `seq`; `heldAt` is undefined until they are in. */
  readonly await: (seq: number) => void;
  readonly heldAt: () => Held | undefined;
} => {
  // Answers of batches in flight together may come back in any order: every answered seq is
  // kept, and `answered` is the end of the run from 1.
  let answered = 0;
  let awaiting = 0;
  const answeredSeqs = new Set<number>();
  let heldAt: Held | undefined;
  const transport: SyncTransport = {
    ...inner,
    push: async (deviceId, ops) => {
      const answer = await inner.push(deviceId, ops);
      if (E.isRight(answer)) {
        for (const result of answer.right.results) {
          if (result.status === 'accepted' || result.status === 'duplicate') {
            answeredSeqs.add(result.seq);
          }
        }
        while (answeredSeqs.has(answered + 1)) answered += 1;
        if (heldAt === undefined && awaiting > 0 && answered >= awaiting) {
          heldAt = { at: performance.now(), cpu: cpu() };
        }
      }
      return answer;
    },
  };
  return {
    transport,
    await: (seq) => {
      awaiting = seq;
      heldAt = undefined;
    },
    heldAt: () => heldAt,
  };
};

/** A document of the data set as PouchDB stores it. */
interface PouchDoc {
  _id: string;
  collection: string;
  [field: string]: unknown;
}

const pouchDocsOf = function* (config: DatasetConfig): Generator<PouchDoc> {
  for (const facility of facilitiesOf(config)) {
    yield { _id: `facilities:${facility.docId}`, collection: 'facilities', ...facility.data };
    for (const op of deviceOps(config, facility)) {
      const data = typeof op.data === 'object' && op.data !== null ? op.data : {};
      yield {
        _id: `${String(op.collection)}:${String(op.docId)}`,
        collection: String(op.collection),
        ...data,
      };
    }
  }
};

/**
 * The patients registered offline after the edits: the data of the data set's first
 * `REGISTRATIONS` patients under new ids, the same for both systems.
 */
const registrationsOf = (
  config: DatasetConfig,
): readonly { readonly docId: string; readonly data: Readonly<Record<string, unknown>> }[] => {
  const out: { docId: string; data: Readonly<Record<string, unknown>> }[] = [];
  for (const facility of facilitiesOf(config)) {
    for (const op of deviceOps(config, facility)) {
      if (out.length === REGISTRATIONS) return out;
      if (op.collection !== 'patients' || typeof op.data !== 'object' || op.data === null) continue;
      out.push({
        docId: `pat-new-${String(out.length + 1).padStart(7, '0')}`,
        data: op.data as Readonly<Record<string, unknown>>,
      });
    }
  }
  return out;
};

/** PouchDB's replication batch: its default (100), and the larger one that suits it here. */
const POUCH_BATCHES = [undefined, 1000] as const;
type PouchBatch = (typeof POUCH_BATCHES)[number];

const batchLabel = (batch: PouchBatch): string =>
  batch === undefined ? 'default batch (100)' : `batch ${count(batch)}`;

const pouchRun = async (
  config: DatasetConfig,
  dir: string,
  replication: PouchBatch,
): Promise<Timings> => {
  const serverDir = join(dir, `pouchdb-server-${replication ?? 'default'}`);
  await mkdir(serverDir, { recursive: true });
  const server = await startPouchServer(serverDir);
  try {
    const remote = new PouchDB(`${server.url}/immunization`);
    let batch: PouchDoc[] = [];
    let docs = 0;
    for (const doc of pouchDocsOf(config)) {
      batch.push(doc);
      if (batch.length === 1000) {
        await remote.bulkDocs(batch);
        docs += batch.length;
        batch = [];
      }
    }
    await remote.bulkDocs(batch);
    docs += batch.length;

    const options = replication === undefined ? {} : { batch_size: replication };
    // A fresh client's initial sync: its seconds and CPU seconds, checked to hold every doc.
    const timedInitial = async (client: string) => {
      const local = new PouchDB(join(dir, `pouch-${client}-${replication ?? 'default'}`));
      const {
        value: pulled,
        seconds,
        cpu,
      } = await timed(server, () => local.replicate.from(remote, options));
      if (pulled.docs_written !== docs) {
        throw new Error(`PouchDB pulled ${pulled.docs_written} docs, not ${docs}`);
      }
      return { local, seconds, cpu };
    };
    const cold = await timedInitial('first-client');
    await cold.local.close();
    const { local, seconds: initialSeconds, cpu: initialCpu } = await timedInitial('client');

    const patients = await local.allDocs({
      startkey: 'patients:',
      endkey: 'patients:\ufff0',
      include_docs: true,
      limit: EDITS,
    });
    const edited = patients.rows.flatMap((row) =>
      row.doc === undefined ? [] : [{ ...row.doc, townVillage: 'Kisozi (moved)' }],
    );
    await local.bulkDocs(edited);
    // One push replication of what the client holds and the server does not: its seconds and
    // CPU seconds, checked to have written `expected` documents.
    const timedPush = async (expected: number) => {
      const {
        value: pushed,
        seconds,
        cpu,
      } = await timed(server, () => local.replicate.to(remote, options));
      if (pushed.docs_written !== expected) {
        throw new Error(`PouchDB pushed ${pushed.docs_written} docs, not ${expected}`);
      }
      return { seconds, cpu };
    };
    const edits = await timedPush(EDITS);

    await local.bulkDocs(
      registrationsOf(config).map((r) => ({
        _id: `patients:${r.docId}`,
        collection: 'patients',
        ...r.data,
      })),
    );
    const registrations = await timedPush(REGISTRATIONS);
    await local.close();
    await remote.close();
    return {
      docs,
      coldInitialSeconds: cold.seconds,
      coldInitialCpu: cold.cpu,
      initialSeconds,
      pushSeconds: edits.seconds,
      registrationSeconds: registrations.seconds,
      initialCpu,
      pushCpu: edits.cpu,
      registrationCpu: registrations.cpu,
    };
  } finally {
    await server.stop();
  }
};

/**
 * One sync that pushes the device's pending ops, `count` of them, up to seq `lastSeq`: the
 * seconds and CPU seconds until the server held them all, and the seconds of the whole sync.
 */
const timedPush = async (
  replica: Replica,
  answering: ReturnType<typeof answeringTransport>,
  server: { cpuSeconds(): number },
  lastSeq: number,
  count: number,
): Promise<{ readonly seconds: number; readonly cpu: number; readonly cycleSeconds: number }> => {
  answering.await(lastSeq);
  const cpuStarted = cpuNow(server);
  const started = performance.now();
  const pushed = await replica.sync();
  const cycleSeconds = (performance.now() - started) / 1000;
  // Every op answered (a batch sent again may be answered twice, as a duplicate), and none left
  // pending.
  const left = (await replica.status()).pending;
  if (!pushed.ok || pushed.pushed < count || left !== 0) {
    throw new Error(`push sync: ${JSON.stringify(pushed)}, ${left} pending`);
  }
  const held = answering.heldAt();
  if (held === undefined) {
    throw new Error('the sync ended before the server had answered every op');
  }
  return { seconds: (held.at - started) / 1000, cpu: held.cpu - cpuStarted, cycleSeconds };
};

/** The documents a replica's file holds, read on a connection of its own. */
const heldDocuments = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    const row: unknown = db.prepare('select count(*) as held from documents').get();
    const held: unknown = typeof row === 'object' && row !== null ? Reflect.get(row, 'held') : 0;
    return Number(held);
  } finally {
    db.close();
  }
};

const immuneRun = async (config: DatasetConfig, dir: string): Promise<Timings> => {
  const { fresh, principals, documents } = await datasetStore(config);
  try {
    const server = await startBenchServer(fresh.store, principals);
    try {
      const answering = answeringTransport(
        httpTransport({
          baseUrl: server.url,
          token: ADMIN_TOKEN,
          timeoutMs: 300_000,
          fetch: retryingFetch,
        }),
        () => cpuNow(server),
      );
      // A fresh device's initial sync: its seconds and CPU seconds, checked to hold every
      // document. The device is left open.
      const timedInitial = async (device: string) => {
        const path = join(dir, `immune-${device}.db`);
        const replica = await createReplica({
          path,
          deviceId: device,
          principal: { userId: 'bench-admin', role: 'admin' },
          transport: answering.transport,
        });
        const { value: initial, seconds, cpu } = await timed(server, () => replica.sync());
        if (!initial.ok) throw new Error(`initial sync failed: ${JSON.stringify(initial.failure)}`);
        const held = heldDocuments(path);
        if (held !== documents) throw new Error(`the device holds ${held} docs, not ${documents}`);
        return { replica, seconds, cpu };
      };
      const cold = await timedInitial('bench-peer-first-tablet');
      await cold.replica.close();
      const {
        replica,
        seconds: initialSeconds,
        cpu: initialCpu,
      } = await timedInitial('bench-peer-tablet');
      try {
        for (let i = 0; i < EDITS; i++) {
          const written = await replica.patients.update(patientIdOf(i), {
            townVillage: 'Kisozi (moved)',
          });
          if (E.isLeft(written)) throw new Error(`an edit failed: ${JSON.stringify(written.left)}`);
        }
        // The device's ops are its edits, seq 1 to EDITS (the initial sync pushed nothing).
        const edits = await timedPush(replica, answering, server, EDITS, EDITS);
        for (const registration of registrationsOf(config)) {
          const data = Patient.decode(registration.data);
          if (E.isLeft(data)) {
            throw new Error(`a registration does not decode: ${registration.docId}`);
          }
          const written = await replica.patients.create(data.right, registration.docId);
          if (E.isLeft(written)) {
            throw new Error(`a registration failed: ${JSON.stringify(written.left)}`);
          }
        }
        // Then its registrations, seq EDITS + 1 to EDITS + REGISTRATIONS.
        const registrations = await timedPush(
          replica,
          answering,
          server,
          EDITS + REGISTRATIONS,
          REGISTRATIONS,
        );
        return {
          docs: documents,
          coldInitialSeconds: cold.seconds,
          coldInitialCpu: cold.cpu,
          initialSeconds,
          pushSeconds: edits.seconds,
          cycleSeconds: edits.cycleSeconds,
          registrationSeconds: registrations.seconds,
          initialCpu,
          pushCpu: edits.cpu,
          registrationCpu: registrations.cpu,
        };
      } finally {
        await replica.close();
      }
    } finally {
      await server.stop();
    }
  } finally {
    await fresh.remove();
  }
};

/** One round: PouchDB with each batch, then immune-sync, each in a directory of its own. */
interface Round {
  readonly pouch: readonly Timings[];
  readonly immune: Timings;
}

const runRound = async (config: DatasetConfig, dir: string, round: number): Promise<Round> => {
  const roundDir = join(dir, `round-${round}`);
  await mkdir(roundDir, { recursive: true });
  const pouch: Timings[] = [];
  for (const batch of POUCH_BATCHES) {
    const timings = await pouchRun(config, roundDir, batch);
    console.error(
      `peer: round ${round}, PouchDB (${batchLabel(batch)}) ${JSON.stringify(timings)}`,
    );
    pouch.push(timings);
  }
  const immune = await immuneRun(config, roundDir);
  console.error(`peer: round ${round}, immune-sync ${JSON.stringify(immune)}`);
  return { pouch, immune };
};

const main = async (): Promise<void> => {
  const config = datasetOf(PATIENTS);
  const fresh = await freshStore('sqlite');
  try {
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      rounds.push(await runRound(config, fresh.dir, round));
    }
    const [first] = rounds;
    if (first === undefined) throw new Error('no round ran');
    const rows: ResultRow[] = [];
    const steps = [
      {
        step: 'initial sync of a fresh client',
        docs: (t: Timings) => t.docs,
        seconds: (t: Timings) => t.initialSeconds,
        target: true,
        cpu: (t: Timings): number | undefined => t.initialCpu,
      },
      {
        step: 'initial sync of a fresh client, the server just started',
        docs: (t: Timings) => t.docs,
        seconds: (t: Timings) => t.coldInitialSeconds,
        target: false,
        cpu: (t: Timings): number | undefined => t.coldInitialCpu,
      },
      {
        step: `push of ${count(EDITS)} offline edits (until the server holds them)`,
        docs: () => EDITS,
        seconds: (t: Timings) => t.pushSeconds,
        target: true,
        cpu: (t: Timings): number | undefined => t.pushCpu,
      },
      {
        step: `push of ${count(REGISTRATIONS)} patients registered offline (until the server holds them)`,
        docs: () => REGISTRATIONS,
        seconds: (t: Timings) => t.registrationSeconds,
        target: false,
        cpu: (t: Timings): number | undefined => t.registrationCpu,
      },
      {
        // PouchDB has nothing to pull back: its figure is its push.
        step: `push of ${count(EDITS)} offline edits and their pull back (the whole sync cycle)`,
        docs: () => EDITS,
        seconds: (t: Timings) => t.cycleSeconds ?? t.pushSeconds,
        target: false,
        cpu: (): number | undefined => undefined,
      },
    ];
    for (const s of steps) {
      const rate = (t: Timings): number => s.docs(t) / s.seconds(t);
      // Documents per CPU-second of client and server together (none for the cycle).
      const cpuRate = (t: Timings): number | undefined => {
        const cpu = s.cpu(t);
        return cpu === undefined || cpu <= 0 ? undefined : s.docs(t) / cpu;
      };
      // The median CPU seconds of a system's runs, one a round.
      const cpuText = (runs: readonly (Timings | undefined)[]): string => {
        const cpus = runs.flatMap((t) => {
          const cpu = t === undefined ? undefined : s.cpu(t);
          return cpu === undefined ? [] : [cpu];
        });
        return cpus.length === 0 ? '-' : median(cpus).toFixed(2);
      };
      const row: Record<string, string | number> = { step: s.step };
      const verdicts: string[] = [];
      POUCH_BATCHES.forEach((batch, i) => {
        const pouchRates = rounds.map((r) => r.pouch[i]).flatMap((t) => (t ? [rate(t)] : []));
        // Each round's multiple is of runs made minutes apart; the median of them is the figure.
        const multiples = rounds.flatMap((r) => {
          const t = r.pouch[i];
          return t === undefined ? [] : [rate(r.immune) / rate(t)];
        });
        const multiple = median(multiples);
        row[`PouchDB ${batchLabel(batch)} docs/s`] = count(median(pouchRates));
        row[`x vs ${batchLabel(batch)}`] =
          rounds.length === 1
            ? `${multiple.toFixed(2)}x`
            : `${multiple.toFixed(2)}x (${multiples.map((m) => m.toFixed(2)).join(' / ')})`;
        verdicts.push(`${batchLabel(batch)} ${multiple >= TARGET_MULTIPLE ? 'met' : 'NOT met'}`);
        const cpuMultiples = rounds.flatMap((r) => {
          const t = r.pouch[i];
          const ours = cpuRate(r.immune);
          const theirs = t === undefined ? undefined : cpuRate(t);
          return ours === undefined || theirs === undefined ? [] : [ours / theirs];
        });
        row[`PouchDB ${batchLabel(batch)} CPU (s)`] = cpuText(rounds.map((r) => r.pouch[i]));
        row[`CPU x vs ${batchLabel(batch)}`] =
          cpuMultiples.length === 0 ? '-' : `${median(cpuMultiples).toFixed(2)}x`;
      });
      const immuneSeconds = median(rounds.map((r) => s.seconds(r.immune)));
      row['immune-sync docs (ops)'] = count(s.docs(first.immune));
      row['immune-sync (s)'] = immuneSeconds.toFixed(2);
      row['immune-sync docs/s'] = count(median(rounds.map((r) => rate(r.immune))));
      row['immune-sync CPU (s)'] = cpuText(rounds.map((r) => r.immune));
      row.target = s.target
        ? `>= ${TARGET_MULTIPLE}x${rounds.length > 1 ? ' (median)' : ''}: ${verdicts.join(', ')}`
        : '- (not a target of the issue)';
      rows.push(row);
    }
    await report('peer', rows, {
      dataset: config,
      edits: EDITS,
      rounds: rounds.map((r) => ({
        pouch: POUCH_BATCHES.map((batch, i) => ({ batch: batch ?? 'default', ...r.pouch[i] })),
        immune: r.immune,
      })),
    });
  } finally {
    await fresh.remove();
  }
};

await main();
