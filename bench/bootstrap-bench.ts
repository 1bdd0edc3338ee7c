/**
 * Bootstrap: a fresh device (a `createReplica` on a new SQLite file, over HTTP, in a process of
 * its own) reaching a consistent view of BOOT_PATIENTS patients (default 100,000) and three
 * times as many immunization records: a snapshot, then the tail. The log is built in process
 * up to BOOT_TAIL ops (default 10,000) short of the data set; the tail is pushed by the
 * facilities' tablets over HTTP while the device bootstraps, and the device syncs until it
 * holds it all. Wall time of the device, peak RSS of the device and of the server, and a
 * census of the replica (every document live, none stale).
 *
 *   npm run bench -- bootstrap                         (about 4 minutes to build the log)
 *   BOOT_PATIENTS=25000 npm run bench -- bootstrap
 *   BOOT_CLIENT_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- bootstrap
 *                                                      (Node options for the device's process)
 *   BOOT_CLIENT_RUNNER=tsx npm run bench -- bootstrap  (the device's code through tsx)
 *
 * The device runs an esbuild bundle of its code by default, as an app ships it: through tsx,
 * its process also holds tsx's loader thread and compiler (about 60 MiB more resident memory).
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import * as E from 'fp-ts/lib/Either.js';
import { datasetOf, facilitiesOf } from './data/immunization-dataset.ts';
import { ADMIN_TOKEN, writePrincipals } from './harness/bench-principals.ts';
import { count, mib, report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import { freshStore } from './harness/bench-stores.ts';
import { ClientReport, ClientStarted } from './harness/bootstrap-messages.ts';
import { LogBuilder } from './harness/build-log.ts';
import { openLog } from './harness/open-log.ts';
import { pushAll } from './harness/push-all.ts';
import { replicaCensus } from './harness/replica-census.ts';
import { typedOps } from './harness/typed-ops.ts';

const PATIENTS = Number(process.env.BOOT_PATIENTS ?? 100_000);
const RECORDS = PATIENTS * 3;
const TAIL = Number(process.env.BOOT_TAIL ?? 10_000);
const TARGET_SECONDS = 30;
const TARGET_CLIENT_RSS = 300 * 1_048_576;
const CLIENT = fileURLToPath(new URL('harness/bootstrap-client.ts', import.meta.url));
const CLIENT_NODE_ARGS = (process.env.BOOT_CLIENT_NODE_ARGS ?? '')
  .split(' ')
  .filter((a) => a !== '');
const CLIENT_RUNNER = process.env.BOOT_CLIENT_RUNNER ?? 'bundle';
const CLIENT_BUNDLE = fileURLToPath(
  new URL('../node_modules/.cache/immune-sync-bench/bootstrap-client.mjs', import.meta.url),
);

/** The device's module and Node options, as `BOOT_CLIENT_RUNNER` says (`bundle` or `tsx`). */
const clientProgram = async (): Promise<{ module: string; execArgv: string[] }> => {
  switch (CLIENT_RUNNER) {
    case 'tsx':
      return { module: CLIENT, execArgv: ['--import', 'tsx', ...CLIENT_NODE_ARGS] };
    case 'bundle':
      await build({
        entryPoints: [CLIENT],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: CLIENT_BUNDLE,
        external: ['better-sqlite3'],
        logLevel: 'warning',
      });
      return { module: CLIENT_BUNDLE, execArgv: CLIENT_NODE_ARGS };
    default:
      throw new Error(`BOOT_CLIENT_RUNNER must be bundle or tsx, not ${CLIENT_RUNNER}`);
  }
};

const main = async (): Promise<void> => {
  const config = datasetOf(PATIENTS, RECORDS);
  const fresh = await freshStore('sqlite');
  try {
    const principals = join(fresh.dir, 'principals.json');
    await writePrincipals(principals, facilitiesOf(config));
    const builder = new LogBuilder(config);
    const log = await openLog(fresh.store);
    const buildStarted = performance.now();
    try {
      await builder.seed(log);
      await builder.next(log, PATIENTS + RECORDS - TAIL);
    } finally {
      await log.close();
    }
    console.error(
      `bootstrap: log of ${count(builder.size)} ops built in ${((performance.now() - buildStarted) / 1000).toFixed(0)} s`,
    );
    const server = await startBenchServer(fresh.store, principals);
    try {
      const replicaPath = join(fresh.dir, 'replica.db');
      const program = await clientProgram();
      const client = fork(program.module, [server.url, ADMIN_TOKEN, replicaPath], {
        execArgv: program.execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const started = new Promise<void>((resolve) => {
        client.on('message', (message: unknown) => {
          if (E.isRight(ClientStarted.decode(message))) resolve();
        });
      });
      const reported = new Promise<ClientReport>((resolve, reject) => {
        client.on('message', (message: unknown) => {
          const decoded = ClientReport.decode(message);
          if (E.isRight(decoded)) resolve(decoded.right);
        });
        client.once('exit', (code) =>
          reject(new Error(`the client exited (${code}) without a report`)),
        );
      });
      const exited = new Promise<void>((resolve) => client.once('exit', () => resolve()));
      await started;
      let tailOps = 0;
      for (const batch of builder.batches(TAIL)) {
        await pushAll(
          server.url,
          batch.facility.workerToken,
          batch.facility.deviceId,
          typedOps(batch.ops.map((o) => o.raw)),
          1000,
          // A steady trickle from the other devices, one batch at a time (as in the figures
          // before pushes were pipelined): a tail pushed as fast as the server takes it
          // competes with the snapshot the device is reading.
          1,
        );
        tailOps += batch.ops.length;
      }
      client.send({ tailPushed: true });
      const result = await reported;
      await exited;
      const serverRss = await server.peakRss();
      const serverAnonRss = server.peakAnonRss();
      const census = replicaCensus(replicaPath);
      const patients = census.get('patients');
      const records = census.get('immunization_records');
      const stale = [...census.values()].reduce((sum, c) => sum + c.stale, 0);
      const consistent = patients?.live === PATIENTS && records?.live === RECORDS && stale === 0;
      const seconds = result.wallMs / 1000;
      await report(
        'bootstrap',
        [
          {
            'log (ops)': count(builder.size),
            'tail pushed during it (ops)': count(tailOps),
            patients: count(patients?.live ?? 0),
            'immunization records': count(records?.live ?? 0),
            consistent: consistent ? 'yes' : `NO (stale ${stale})`,
            'first cycle (s)': (result.firstCycleMs / 1000).toFixed(1),
            'wall (s)': seconds.toFixed(1),
            cycles: result.cycles,
            'sync retries (network)': result.retries,
            'requests on a closed connection (GETs sent again by the transport)':
              result.socketRetries,
            'client peak RSS (MiB)': mib(result.maxRssBytes),
            'client run as': CLIENT_RUNNER,
            'server peak RSS (MiB)': mib(serverRss),
            // RSS counts the pages of the log's file the server reads through its memory map
            // (the OS's file cache); the anonymous part is the server's own memory.
            'server peak anonymous RSS (MiB, sampled)': mib(serverAnonRss),
            target: `<= ${TARGET_SECONDS} s: ${seconds <= TARGET_SECONDS ? 'met' : 'NOT met'}; client <= 300 MiB: ${result.maxRssBytes <= TARGET_CLIENT_RSS ? 'met' : 'NOT met'}`,
          },
        ],
        { dataset: config, tail: TAIL, client: result, clientRunner: CLIENT_RUNNER },
      );
    } finally {
      await server.stop();
    }
  } finally {
    await fresh.remove();
  }
};

await main();
