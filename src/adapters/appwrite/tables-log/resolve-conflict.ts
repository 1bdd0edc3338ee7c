/**
 * Resolving a conflict on TablesDB (the rules are `src/log/resolve.ts`'s): an op of device
 * `server.resolutions` with the chosen values, whose ctx is the document's whole version vector.
 *
 * Invariants:
 * 1. Everything is decided inside the plan, from the head it commits on: the record checked is
 *    the record resolved (a commit in between moves the head and the plan runs again).
 * 2. A refused resolution changes nothing: the plan throws before anything is staged.
 */
import * as E from 'fp-ts/lib/Either.js';
import { CollectionNameCodec } from '../../../domain/collections.ts';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import { RESOLUTIONS_DEVICE } from '../../../domain/ids.ts';
import { CURRENT_OP_SCHEMA } from '../../../domain/operation.ts';
import { may } from '../../../domain/permissions.ts';
import type { Author, Principal } from '../../../domain/principal.ts';
import { normalize } from '../../../domain/version-vector.ts';
import { refusalOf, resolutionValues } from '../../../log/resolve.ts';
import { readConflictRecord } from '../../../log/stored-json.ts';
import type { ConflictRecord } from '../../../projections/conflict-record.ts';
import { conflictsOf } from '../../../projections/conflicts.ts';
import { type AppendEnvironment, PlanRefusal } from './append-batch.ts';
import { ChunkPlan } from './chunk-plan.ts';
import { appendInChunks } from './chunked-append.ts';
import { claimServerDevice, deviceWrite } from './device-rows.ts';
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
  if (!may(principal, 'resolve', [])) {
    return E.left(syncError('forbidden', `a ${principal.role} may not resolve conflicts`));
  }
  try {
    const { answers } = await appendInChunks<Resolved>(
      env.store.tablesDb,
      env.store.databaseId,
      1,
      async (head) => {
        const stored = await env.store.get(CONFLICTS_TABLE, conflictId);
        if (stored === undefined) {
          throw new PlanRefusal(syncError('not_found', `no conflict ${conflictId}`));
        }
        const row = decodeRow(ConflictsRowCodec, stored, `conflict ${conflictId}`);
        const collection = CollectionNameCodec.decode(row.collection);
        const facilities = E.isRight(collection)
          ? ((await facilitiesOfDocument(env.store, collection.right, row.docId)) ?? [])
          : [];
        if (!may(principal, 'resolve', facilities)) {
          throw new PlanRefusal(syncError('forbidden', 'the document is not of your facilities'));
        }
        const record = readConflictRecord(row.record);
        const refusal = refusalOf(record, row.live);
        if (refusal !== undefined) throw new PlanRefusal(refusal);
        const values = resolutionValues(record, data);
        if (E.isLeft(values)) throw new PlanRefusal(values.left);

        const claimed = await claimServerDevice(env.store, RESOLUTIONS_DEVICE);
        const device = { ...claimed.progress };
        const seq = device.ackedSeq + 1;
        const plan = new ChunkPlan(env, now, head);
        await plan.docs.load([{ collection: record.collection, docId: record.docId }]);
        const vv = plan.docs.get(record.collection, record.docId).view?.vv ?? {};
        const raw = {
          deviceId: RESOLUTIONS_DEVICE,
          seq,
          hlc: { ms: now, n: 0 },
          collection: record.collection,
          docId: record.docId,
          kind: 'update',
          data: values.right,
          ctx: normalize(vv),
          schema: CURRENT_OP_SCHEMA,
        };
        const author: Author = { userId: principal.userId, role: principal.role };
        const processed = await plan.process(
          0,
          raw,
          { deviceId: RESOLUTIONS_DEVICE, seq },
          device,
          author,
          { kind: 'server' },
        );
        if (processed.kind === 'rejected') {
          const { path } = processed.error;
          throw new PlanRefusal(syncError('bad_request', processed.error.message, path));
        }
        env.fault('commit', 1);
        const after = conflictsOf(plan.docs.get(record.collection, record.docId).state);
        const conflict: ConflictRecord = after.find((r) => r.id === record.id) ?? {
          ...record,
          status: 'resolved',
          rule: 'resolution',
          current: false,
          winner: { deviceId: RESOLUTIONS_DEVICE, seq },
          resolvedBy: { userId: principal.userId, deviceId: RESOLUTIONS_DEVICE, seq },
        };
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
