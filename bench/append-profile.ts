/**
 * The append path alone, in process (no HTTP), for profiling: a facility's tablet appends
 * PROFILE_OPS generated ops in batches of 500 to a fresh SQLite log, then PROFILE_UPDATES edits of
 * its patients (a village changed, as in the peer bench), and prints ops/s of each.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/append-profile.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { openSqliteLog } from '../src/adapters/sqlite/sqlite-log.ts';
import { Principal } from '../src/domain/principal.ts';
import { seedReferenceData } from '../src/functions/seed-reference-data.ts';
import type { IncomingOp } from '../src/log/operation-log.ts';
import {
  ADMIN_DEVICE,
  batchesOf,
  datasetOf,
  deviceOps,
  facilitiesOf,
  facilityOps,
} from './data/immunization-dataset.ts';

const OPS = Number(process.env.PROFILE_OPS ?? 20_000);
const BATCH = Number(process.env.PROFILE_BATCH ?? 500);
const UPDATES = Number(process.env.PROFILE_UPDATES ?? 5000);

const field = (raw: unknown, name: string): unknown =>
  typeof raw === 'object' && raw !== null ? Reflect.get(raw, name) : undefined;
const isPatientCreate = (raw: unknown): boolean =>
  field(raw, 'collection') === 'patients' && field(raw, 'kind') === 'create';
const docIdOf = (raw: unknown): string => String(field(raw, 'docId'));
const hlcMsOf = (raw: unknown): number => Number(field(field(raw, 'hlc'), 'ms'));

const principal = (userId: string, role: string, facilityIds: readonly string[]): Principal => {
  const decoded = Principal.decode({ userId, role, facilityIds });
  if (E.isLeft(decoded)) throw new Error(`bad principal ${userId}`);
  return decoded.right;
};

const main = async (): Promise<void> => {
  const config = { ...datasetOf(OPS), facilities: 2 };
  const facility = facilitiesOf(config)[0];
  if (facility === undefined) throw new Error('no facility');
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-profile-'));
  const log = await openSqliteLog({ path: join(dir, 'log.db') });
  try {
    const reference = await seedReferenceData(log);
    if (E.isLeft(reference)) throw new Error(reference.left.message);
    const admin = principal('bench-admin', 'admin', ['*']);
    const seeded = await log.append({
      principal: admin,
      deviceId: ADMIN_DEVICE,
      ops: facilityOps(config).map((raw, i) => ({ seq: i + 1, raw })),
    });
    if (E.isLeft(seeded)) throw new Error(seeded.left.message);
    const worker = principal(facility.workerUserId, 'health_worker', [facility.docId]);
    const ops: IncomingOp[] = [];
    for (const raw of deviceOps(config, facility)) {
      if (ops.length === OPS) break;
      ops.push({ seq: ops.length + 1, raw });
    }
    const appendAll = async (what: string, all: readonly IncomingOp[]): Promise<void> => {
      const started = performance.now();
      for (const batch of batchesOf(all, BATCH)) {
        const result = await log.append({
          principal: worker,
          deviceId: facility.deviceId,
          ops: batch,
        });
        if (E.isLeft(result) || result.right.results.some((r) => r.status !== 'accepted')) {
          throw new Error(
            `a batch was not accepted: ${JSON.stringify(E.isLeft(result) ? result.left : result.right.results.find((r) => r.status !== 'accepted'))}`,
          );
        }
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `${what}: ${all.length} ops in ${seconds.toFixed(2)} s: ${Math.round(all.length / seconds)} ops/s`,
      );
    };
    await appendAll('created', ops);
    const patients = ops.filter((op) => isPatientCreate(op.raw)).slice(0, UPDATES);
    const last = ops.at(-1);
    const lastMs = last === undefined ? 0 : hlcMsOf(last.raw);
    await appendAll(
      'updated',
      patients.map((op, i) => ({
        seq: ops.length + i + 1,
        raw: {
          deviceId: facility.deviceId,
          seq: ops.length + i + 1,
          hlc: { ms: lastMs + 60_000 + i, n: 0 },
          collection: 'patients',
          docId: docIdOf(op.raw),
          kind: 'update',
          data: { townVillage: 'Kisozi (moved)' },
          ctx: { [facility.deviceId]: ops.length + i },
          schema: 1,
        },
      })),
    );
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
};

await main();
