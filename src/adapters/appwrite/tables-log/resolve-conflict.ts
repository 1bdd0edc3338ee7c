/**
 * Resolving a conflict on TablesDB (the rules are `src/log/resolution-rules.ts`'s, shared with
 * the SQL log's `src/log/resolve.ts`): an op of device
 * `server.resolutions` with the chosen values, whose ctx is the document's whole version vector.
 *
 * Invariants:
 * 1. Everything is decided inside the plan, from the head it commits on: the record checked is
 *    the record resolved (a commit in between moves the head and the plan runs again).
 * 2. A refused resolution changes nothing: the plan throws before anything is staged.
 */
import * as E from 'fp-ts/lib/Either.js';
import { CollectionNameCodec } from '../../../domain/collections.ts';
import type { SyncError } from '../../../domain/errors.ts';
import { tick } from '../../../domain/hlc.ts';
import { RESOLUTIONS_DEVICE } from '../../../domain/ids.ts';
import type { Principal } from '../../../domain/principal.ts';
import {
  checkResolution,
  conflictNotFound,
  rejectedResolution,
  resolutionOp,
  resolvedConflict,
  resolverRefusal,
} from '../../../log/resolution-rules.ts';
import type { ConflictRecord } from '../../../projections/conflict-record.ts';
import { type AppendEnvironment, PlanRefusal } from './append-batch.ts';
import { ChunkPlan } from './chunk-plan.ts';
import { appendInChunks } from './chunked-append.ts';
import { claimServerDevice, deviceWrite, lastServerClock } from './device-rows.ts';
import { CONFLICTS_TABLE, ConflictsRowCodec, decodeRow } from './log-rows.ts';
import { facilitiesOfDocument } from './visible-ops.ts';

/** A resolution's answer. */
export interface Resolved {
  readonly conflict: ConflictRecord;
  readonly cursor: string;
}

/** Resolves a conflict (see the module's invariants). */
export const resolveConflict = async (
  env: AppendEnvironment,
  principal: Principal,
  conflictId: string,
  data: unknown,
  now: number,
): Promise<E.Either<SyncError, Resolved>> => {
  const forbidden = resolverRefusal(principal);
  if (forbidden !== undefined) return E.left(forbidden);
  try {
    const { answers } = await appendInChunks<Resolved>(
      env.store.tablesDb,
      env.store.databaseId,
      1,
      async (head) => {
        const stored = await env.store.get(CONFLICTS_TABLE, conflictId);
        if (stored === undefined) throw new PlanRefusal(conflictNotFound(conflictId));
        const row = decodeRow(ConflictsRowCodec, stored, `conflict ${conflictId}`);
        const collection = CollectionNameCodec.decode(row.collection);
        const facilities = E.isRight(collection)
          ? ((await facilitiesOfDocument(env.store, collection.right, row.docId)) ?? [])
          : [];
        const checked = checkResolution(principal, facilities, row, data);
        if (E.isLeft(checked)) throw new PlanRefusal(checked.left);
        const { record } = checked.right;

        const claimed = await claimServerDevice(env.store, RESOLUTIONS_DEVICE);
        const device = { ...claimed.progress };
        const seq = device.ackedSeq + 1;
        const plan = new ChunkPlan(env, now, head);
        await plan.docs.load([{ collection: record.collection, docId: record.docId }]);
        const vv = plan.docs.get(record.collection, record.docId).view?.vv ?? {};
        const clock = tick(await lastServerClock(env.store, RESOLUTIONS_DEVICE), now);
        const op = resolutionOp(principal, checked.right, seq, vv, clock);
        const processed = await plan.process(0, op.raw, op.expected, device, op.author, {
          kind: 'server',
        });
        if (processed.kind === 'rejected') {
          throw new PlanRefusal(rejectedResolution(processed.error));
        }
        env.fault('commit', 1);
        const state = plan.docs.get(record.collection, record.docId).state;
        const conflict = resolvedConflict(principal, record, seq, state);
        return {
          outcome: {
            answers: [{ conflict, cursor: processed.op.cursor }],
            next: 1,
            appended: plan.appended,
            transferred: [...plan.transferred],
          },
          writes: plan.writes(
            deviceWrite(RESOLUTIONS_DEVICE, { ...claimed, progress: device }, now),
          ),
          overflowAt: undefined,
        };
      },
      env.head,
      env.committed,
    );
    const [resolved] = answers;
    if (resolved === undefined) throw new Error('bug: a resolution without an answer');
    return E.right(resolved);
  } catch (error) {
    if (error instanceof PlanRefusal) return E.left(error.error);
    throw error;
  }
};
