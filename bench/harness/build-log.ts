/**
 * Filling a log with a data set in process (no HTTP: much faster than pushing, and the same
 * append path): the reference data, the admin's facilities, then every facility's tablet in
 * turn, a batch of 1,000 ops at a time, until `maxOps` device ops are in. The cursor after
 * each batch is kept, by position, so that readers can start anywhere.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Principal } from '../../src/domain/principal.ts';
import { seedReferenceData } from '../../src/functions/seed-reference-data.ts';
import type { IncomingOp, OperationLog } from '../../src/log/operation-log.ts';
import {
  ADMIN_DEVICE,
  type DatasetConfig,
  deviceOps,
  type FacilityPlan,
  facilitiesOf,
  facilityOps,
  type RawOp,
} from '../data/immunization-dataset.ts';

const BATCH = 1000;

const principal = (userId: string, role: string, facilityIds: readonly string[]): Principal => {
  const decoded = Principal.decode({ userId, role, facilityIds });
  if (E.isLeft(decoded)) throw new Error(`bad principal ${userId}`);
  return decoded.right;
};

/** One batch's end: the cursor of its last op and the log's size then. */
export interface Mark {
  readonly size: number;
  readonly cursor: string;
}

/** The next ops of one facility's tablet, their seqs placed. */
export interface PlannedBatch {
  readonly facility: FacilityPlan;
  readonly principal: Principal;
  readonly ops: readonly { readonly seq: number; readonly raw: RawOp }[];
}

/** A facility's stream, where it has got to. */
interface Stream {
  readonly facility: FacilityPlan;
  readonly principal: Principal;
  readonly deviceId: string;
  readonly ops: Iterator<RawOp>;
  seq: number;
  done: boolean;
}

/** Appends a data set; resumable: `next(n)` appends n more device ops. */
export class LogBuilder {
  readonly #config: DatasetConfig;
  readonly #streams: Stream[];
  #turn = 0;
  #size = 0;
  readonly marks: Mark[] = [];

  constructor(config: DatasetConfig) {
    this.#config = config;
    this.#streams = facilitiesOf(config).map((f) => ({
      facility: f,
      principal: principal(f.workerUserId, 'health_worker', [f.docId]),
      deviceId: f.deviceId,
      ops: deviceOps(config, f),
      seq: 0,
      done: false,
    }));
  }

  /** Ops in the log (reference data and facilities included). */
  get size(): number {
    return this.#size;
  }

  /** The reference data and the facilities; call once, first. */
  async seed(log: OperationLog): Promise<void> {
    const seeded = await seedReferenceData(log);
    if (E.isLeft(seeded)) throw new Error(seeded.left.message);
    const ops = facilityOps(this.#config).map((raw, i) => ({ seq: i + 1, raw }));
    await this.#append(log, principal('bench-admin', 'admin', ['*']), ADMIN_DEVICE, ops);
    this.#size += seeded.right.created;
  }

  /** Appends up to `count` more device ops; how many it appended. */
  async next(log: OperationLog, count: number): Promise<number> {
    let appended = 0;
    for (const batch of this.batches(count)) {
      await this.#append(log, batch.principal, batch.facility.deviceId, batch.ops);
      appended += batch.ops.length;
    }
    return appended;
  }

  /** The next batches of up to `count` device ops, round robin over the tablets, unappended. */
  *batches(count: number): Generator<PlannedBatch> {
    let planned = 0;
    while (planned < count && this.#streams.some((s) => !s.done)) {
      const stream = this.#streams[this.#turn % this.#streams.length];
      this.#turn += 1;
      if (stream === undefined || stream.done) continue;
      const ops: { seq: number; raw: RawOp }[] = [];
      while (ops.length < Math.min(BATCH, count - planned)) {
        const item = stream.ops.next();
        if (item.done === true) {
          stream.done = true;
          break;
        }
        stream.seq += 1;
        ops.push({ seq: stream.seq, raw: item.value });
      }
      if (ops.length === 0) continue;
      planned += ops.length;
      yield { facility: stream.facility, principal: stream.principal, ops };
    }
  }

  async #append(
    log: OperationLog,
    who: Principal,
    deviceId: string,
    ops: readonly IncomingOp[],
  ): Promise<void> {
    const result = await log.append({ principal: who, deviceId, ops });
    if (E.isLeft(result)) throw new Error(result.left.message);
    const refused = result.right.results.find((r) => r.status !== 'accepted');
    if (refused !== undefined) throw new Error(`not accepted: ${JSON.stringify(refused)}`);
    this.#size += ops.length;
    const last = result.right.results.at(-1);
    if (last?.status === 'accepted') this.marks.push({ size: this.#size, cursor: last.cursor });
  }
}
