/**
 * The device's side of an initial sync, alone. A fresh replica (`createReplica` on a new SQLite
 * file) syncs the peer benchmark's data set (DEVICE_PATIENTS patients, default 25,000, three
 * times as many immunization records: about 100,000 documents) from the real server over
 * loopback twice (the first sync also warms the process's code up, as the replays find it), and
 * every answer the second one reads is recorded. Then DEVICE_ROUNDS fresh replicas (default
 * 5) sync from those recorded answers with no server at all: their transport is the same HTTP
 * transport, whose `fetch` hands back the recorded bodies, so each replay reads, decodes,
 * checks and writes exactly what the live sync did, and no request waits for a server.
 *
 * The replays' median over the second live sync's time says how much of an initial sync is the
 * device's own work: the peer benchmark's initial sync can be no faster than the replays.
 *
 *   npm run bench -- device
 *   DEVICE_PATIENTS=5000 DEVICE_ROUNDS=3 npm run bench -- device
 *
 * Not a test: figures depend on the machine.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createReplica } from '../src/client/replica.ts';
import { httpTransport } from '../src/client/transports/http-transport.ts';
import { datasetOf } from './data/immunization-dataset.ts';
import { ADMIN_TOKEN } from './harness/bench-principals.ts';
import { count, type ResultRow, report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import { datasetStore } from './harness/dataset-store.ts';
import { median } from './harness/percentile.ts';
import { recordingFetch, replayingFetch } from './harness/recorded-fetch.ts';

const PATIENTS = Number(process.env.DEVICE_PATIENTS ?? 25_000);
const ROUNDS = Math.max(1, Number(process.env.DEVICE_ROUNDS ?? 5));
const DEVICE_ID = 'bench-device-tablet';

/** The wall and CPU seconds of one sync, and the server's CPU seconds meanwhile (live only). */
interface SyncTiming {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly serverCpuSeconds?: number;
}

/** One sync of a fresh replica in `dir`; `serverCpu` reads the server's CPU time, if live. */
const syncFresh = async (
  dir: string,
  baseUrl: string,
  doFetch: typeof fetch,
  serverCpu?: () => number,
): Promise<SyncTiming> => {
  const replica = await createReplica({
    path: join(dir, 'replica.db'),
    deviceId: DEVICE_ID,
    principal: { userId: 'bench-admin', role: 'admin' },
    transport: httpTransport({ baseUrl, token: ADMIN_TOKEN, timeoutMs: 300_000, fetch: doFetch }),
  });
  try {
    const serverBefore = serverCpu?.();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const outcome = await replica.sync();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const serverAfter = serverCpu?.();
    if (!outcome.ok) throw new Error(`the sync failed: ${JSON.stringify(outcome.failure)}`);
    if ((await replica.status()).pending !== 0) throw new Error('the sync left ops pending');
    return {
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      ...(serverBefore === undefined || serverAfter === undefined
        ? {}
        : { serverCpuSeconds: serverAfter - serverBefore }),
    };
  } finally {
    await replica.close();
  }
};

const main = async (): Promise<void> => {
  const config = datasetOf(PATIENTS);
  const { fresh, principals, documents } = await datasetStore(config);
  try {
    const { fetch: recordedFetch, recording } = recordingFetch(fetch);
    const server = await startBenchServer(fresh.store, principals);
    const baseUrl = server.url;
    let cold: SyncTiming;
    let live: SyncTiming;
    try {
      const coldDir = join(fresh.dir, 'live-1');
      await mkdir(coldDir);
      cold = await syncFresh(coldDir, baseUrl, fetch, server.cpuSeconds);
      const liveDir = join(fresh.dir, 'live-2');
      await mkdir(liveDir);
      live = await syncFresh(liveDir, baseUrl, recordedFetch, server.cpuSeconds);
    } finally {
      await server.stop();
    }
    const bytes = [...recording.values()].reduce((sum, r) => sum + r.body.byteLength, 0);
    console.error(
      `device: live syncs of ${count(documents)} documents in ${cold.seconds.toFixed(2)} s ` +
        `and ${live.seconds.toFixed(2)} s, ` +
        `${recording.size} answers recorded (${count(bytes / 1_048_576)} MiB of JSON)`,
    );

    const replayFetch = replayingFetch(recording);
    const rounds: SyncTiming[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const dir = join(fresh.dir, `replay-${round}`);
      await mkdir(dir);
      const timing = await syncFresh(dir, baseUrl, replayFetch);
      rounds.push(timing);
      console.error(
        `device: replay ${round}/${ROUNDS}: ${timing.seconds.toFixed(2)} s ` +
          `(CPU ${timing.cpuSeconds.toFixed(2)} s)`,
      );
    }
    const replaySeconds = median(rounds.map((r) => r.seconds));
    const rows: ResultRow[] = [
      {
        sync: 'live, over loopback from the server: the first in the process',
        documents: count(documents),
        's (median)': cold.seconds.toFixed(2),
        'docs/s': count(documents / cold.seconds),
        'device CPU (s)': cold.cpuSeconds.toFixed(2),
        'server CPU (s)': (cold.serverCpuSeconds ?? 0).toFixed(2),
        rounds: 1,
      },
      {
        sync: 'live, the second (recorded)',
        documents: count(documents),
        's (median)': live.seconds.toFixed(2),
        'docs/s': count(documents / live.seconds),
        'device CPU (s)': live.cpuSeconds.toFixed(2),
        'server CPU (s)': (live.serverCpuSeconds ?? 0).toFixed(2),
        rounds: 1,
      },
      {
        sync: 'replayed answers, no server (the device alone)',
        documents: count(documents),
        's (median)': replaySeconds.toFixed(2),
        'docs/s': count(documents / replaySeconds),
        'device CPU (s)': median(rounds.map((r) => r.cpuSeconds)).toFixed(2),
        'server CPU (s)': '-',
        rounds: rounds.map((r) => r.seconds.toFixed(2)).join(' / '),
      },
      {
        sync: 'the device alone / the second live sync',
        documents: '',
        's (median)': (replaySeconds / live.seconds).toFixed(2),
        'docs/s': '',
        'device CPU (s)': '',
        'server CPU (s)': '',
        rounds: '',
      },
    ];
    await report('device', rows, {
      dataset: config,
      documents: documents,
      answers: recording.size,
      answerBytes: bytes,
      live: { cold, warm: live },
      rounds,
    });
  } finally {
    await fresh.remove();
  }
};

await main();
