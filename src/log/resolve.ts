/**
 * Resolving a conflict (PROTOCOL.md, POST /v1/conflicts/:id/resolve): an auditor, an admin or a
 * supervisor of the document's facility picks the values of a current `field` record, and the
 * log appends them as an op of device `server.resolutions` that has seen the whole document.
 *
 * Invariants:
 * 1. Everything is decided inside the append transaction, after the append lock: the record
 *    checked is the record resolved.
 * 2. A refused resolution changes nothing: no op, no seq consumed, no quarantine row.
 * 3. The rules (who may resolve, which records and values, the op's shape, the refusals and
 *    their codes) are `resolution-rules.ts`'s, shared with the TablesDB log: this module only
 *    reads and writes the SQL store.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { SyncError } from '../domain/errors.ts';
import { tick } from '../domain/hlc.ts';
import { RESOLUTIONS_DEVICE } from '../domain/ids.ts';
import type { Principal } from '../domain/principal.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { type AppendEnvironment, AppendSession } from './append-session.ts';
import {
  claimServerDevice,
  type DeviceProgress,
  lastServerClock,
  saveProgress,
} from './device-registry.ts';
import type { LogTables } from './log-tables.ts';
import {
  checkResolution,
  conflictNotFound,
  rejectedResolution,
  resolutionOp,
  resolvedConflict,
  resolverRefusal,
} from './resolution-rules.ts';
import { facilitiesOfDocument } from './visibility.ts';

/** A resolution's answer, and the head to announce. */
export interface ResolveOutcome {
  readonly conflict: ConflictRecord;
  readonly cursor: string;
  readonly head: number;
}

/** Aborts the resolution's transaction with the answer to give. */
class Refusal extends Error {
  constructor(readonly error: SyncError) {
    super(error.message);
  }
}

/** Resolves a conflict (see the module's invariants). */
export const resolveConflict = async (
  db: Kysely<LogTables>,
  env: AppendEnvironment,
  principal: Principal,
  conflictId: string,
  data: unknown,
  now: number,
): Promise<E.Either<SyncError, ResolveOutcome>> => {
  const forbidden = resolverRefusal(principal);
  if (forbidden !== undefined) return E.left(forbidden);
  try {
    const outcome = await db.transaction().execute(async (trx) => {
      const session = await AppendSession.begin(trx, env, now);
      const row = await trx
        .selectFrom('conflicts')
        .selectAll()
        .where('id', '=', conflictId)
        .executeTakeFirst();
      if (row === undefined) throw new Refusal(conflictNotFound(conflictId));
      const facilities = (await facilitiesOfDocument(trx, row.collection, row.doc_id)) ?? [];
      const checked = checkResolution(
        principal,
        facilities,
        { record: row.record, live: row.live === 1 },
        data,
      );
      if (E.isLeft(checked)) throw new Refusal(checked.left);
      const { record } = checked.right;

      const device = await claimServerDevice(trx, RESOLUTIONS_DEVICE, now);
      const progress: DeviceProgress = { ackedSeq: device.acked_seq, chainHash: device.chain_hash };
      const seq = progress.ackedSeq + 1;
      await session.cache.load([{ collection: record.collection, docId: record.docId }]);
      const vv = session.cache.get(record.collection, record.docId).view?.vv ?? {};
      const clock = tick(await lastServerClock(trx, RESOLUTIONS_DEVICE), now);
      const op = resolutionOp(principal, checked.right, seq, vv, clock);
      const processed = await session.process(0, op.raw, op.expected, progress, op.author, {
        kind: 'server',
      });
      if (processed.kind === 'rejected') throw new Refusal(rejectedResolution(processed.error));
      await session.finish(1);
      await saveProgress(trx, RESOLUTIONS_DEVICE, progress, now);
      const state = session.cache.get(record.collection, record.docId).state;
      return {
        conflict: resolvedConflict(principal, record, seq, state),
        cursor: processed.op.cursor,
        head: session.head,
      };
    });
    return E.right(outcome);
  } catch (error) {
    if (error instanceof Refusal) return E.left(error.error);
    throw error;
  }
};
