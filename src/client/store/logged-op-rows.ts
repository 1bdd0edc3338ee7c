/**
 * The `logged_ops` table: the logged ops the replica holds, by dot, with the bootstrap
 * generation they arrived in. Functions over a kysely handle (a database or a transaction), used
 * by `KyselyReplicaStore`.
 */
import type { Kysely } from 'kysely';
import { type Dot, dotKey } from '../../domain/ids.ts';
import { encodeLoggedOp, type LoggedOp } from '../../domain/operation.ts';
import { inChunks } from './parameter-chunks.ts';
import type { DocKey } from './replica-store.ts';
import type { ReplicaTables } from './replica-tables.ts';
import type { ReadTexts } from './stored-json.ts';

/** Of these dots, those logged in `generation` that the table holds. */
export const knownDots = async (
  db: Kysely<ReplicaTables>,
  dots: readonly Dot[],
  generation: number,
): Promise<ReadonlySet<string>> => {
  const known = new Set<string>();
  const byDevice = new Map<string, number[]>();
  for (const dot of dots) {
    const seqs = byDevice.get(dot.deviceId);
    if (seqs === undefined) byDevice.set(dot.deviceId, [dot.seq]);
    else seqs.push(dot.seq);
  }
  for (const [deviceId, seqs] of byDevice) {
    for (const part of inChunks(seqs)) {
      const rows = await db
        .selectFrom('logged_ops')
        .select(['device_id', 'seq'])
        .where('device_id', '=', deviceId)
        .where('seq', 'in', part)
        .where('generation', '=', generation)
        .execute();
      for (const row of rows) known.add(dotKey({ deviceId: row.device_id, seq: row.seq }));
    }
  }
  return known;
};

/** The logged ops of a document received in `generation`, read by `texts`. */
export const readLoggedOps = async (
  db: Kysely<ReplicaTables>,
  key: DocKey,
  generation: number,
  texts: ReadTexts<LoggedOp>,
): Promise<readonly LoggedOp[]> => {
  const rows = await db
    .selectFrom('logged_ops')
    .select('op')
    .where('collection', '=', key.collection)
    .where('doc_id', '=', key.docId)
    .where('generation', '=', generation)
    .execute();
  return rows.map((row) => texts.read(row.op));
};

/** Keeps logged ops; one held already is marked as received in `generation`. */
export const addLoggedOps = async (
  db: Kysely<ReplicaTables>,
  ops: readonly LoggedOp[],
  generation: number,
): Promise<void> => {
  for (const part of inChunks(ops)) {
    if (part.length === 0) continue;
    await db
      .insertInto('logged_ops')
      .values(
        part.map((op) => ({
          device_id: op.deviceId,
          seq: op.seq,
          collection: op.collection,
          doc_id: op.docId,
          op: JSON.stringify(encodeLoggedOp(op)),
          generation,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['device_id', 'seq']).doUpdateSet((eb) => ({
          op: eb.ref('excluded.op'),
          generation: eb.ref('excluded.generation'),
        })),
      )
      .execute();
  }
};

/** Forgets other devices' ops of bootstraps before `generation`. */
export const forgetLoggedOpsBefore = async (
  db: Kysely<ReplicaTables>,
  generation: number,
  ownDeviceId: string,
): Promise<void> => {
  await db
    .deleteFrom('logged_ops')
    .where('generation', '<', generation)
    .where('device_id', '!=', ownDeviceId)
    .execute();
};
