/**
 * A timed push over HTTP of one tablet's ops, in batches, through the client's transport (two
 * batches in flight): to the real server (`immune-sync serve` on a fresh store, its facilities
 * pushed first, untimed), or to the push floor behind HTTP (`floor-server.ts`). The push
 * benchmark and the floor benchmark measure with the same code, so their figures compare.
 */
import { join } from 'node:path';
import { facilitiesOf } from '../data/immunization-dataset.ts';
import { writePrincipals } from './bench-principals.ts';
import { startBenchServer, startServerProcess } from './bench-server.ts';
import type { FreshStore } from './bench-stores.ts';
import { pushFacilities, pushFacilityOps } from './push-all.ts';
import type { TabletOps } from './tablet-ops.ts';
import { typedOps } from './typed-ops.ts';

/** A push's wall time, seconds, and each batch's time from sending to answer, ms. */
export interface PushTiming {
  readonly seconds: number;
  readonly batchTimes: readonly number[];
}

const timed = async (
  url: string,
  { ops, facility }: TabletOps,
  batch: number,
): Promise<PushTiming> => {
  // Decoded before the clock starts: the push measures the push, not the benchmark's decoding.
  const typed = typedOps(ops);
  const started = performance.now();
  const batchTimes = await pushFacilityOps(url, facility, typed, batch);
  return { seconds: (performance.now() - started) / 1000, batchTimes };
};

/** Pushes the tablet's ops to the real server on `fresh` (left with the log it made). */
export const pushToServer = async (
  fresh: FreshStore,
  tablet: TabletOps,
  batch: number,
): Promise<PushTiming> => {
  const principals = join(fresh.dir, 'principals.json');
  await writePrincipals(principals, facilitiesOf(tablet.config));
  const server = await startBenchServer(fresh.store, principals);
  try {
    await pushFacilities(server.url, tablet.config);
    return await timed(server.url, tablet, batch);
  } finally {
    await server.stop();
  }
};

/** Pushes the tablet's ops to the floor behind HTTP, on `path` (the log's schema, empty). */
export const pushToFloor = async (
  path: string,
  tablet: TabletOps,
  batch: number,
): Promise<PushTiming> => {
  const server = await startServerProcess(
    [
      '--import',
      'tsx',
      'bench/harness/floor-server.ts',
      '--db',
      path,
      '--facility',
      tablet.facility.docId,
      '--token',
      tablet.facility.workerToken,
    ],
    /floor listening on (http:\/\/\S+)/,
  );
  try {
    return await timed(server.url, tablet, batch);
  } finally {
    await server.stop();
  }
};
