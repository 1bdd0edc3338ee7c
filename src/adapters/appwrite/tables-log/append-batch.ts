/**
 * Appending a device's batch, and the server's own ops, on TablesDB (the rules are those of
 * `src/log/append.ts`; the chunking is `chunked-append.ts`'s).
 *
 * Invariants:
 * 1. Per op, in order: a seq the device already used gets its first answer again; a seq beyond
 *    the next expected one is a `gap`, for it and every later op; the next seq is processed.
 * 2. A request-level refusal (another user's device, a reserved one) processes nothing: it is
 *    found before any transaction, and again by every plan, which then throws it out of
 *    `appendUnderHead` before staging anything.
 * 3. The device's row is staged in every chunk, with its progress as of the chunk's end.
 * 4. The batch answers after the rows of the patients it transferred have had their followers'
 *    read permissions moved (`follower-rows.ts`).
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import { CollectionNameCodec } from '../../../domain/collections.ts';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import { isReservedDevice } from '../../../domain/ids.ts';
import { CURRENT_OP_SCHEMA } from '../../../domain/operation.ts';
import type { Author } from '../../../domain/principal.ts';
import { normalize } from '../../../domain/version-vector.ts';
import { encodeCursor, positionOf } from '../../../log/cursor.ts';
import type {
  AppendRequest,
  AppendResult,
  OpResult,
  ServerOpDraft,
} from '../../../log/operation-log.ts';
import { readJsonText, StoredOpError } from '../../../log/stored-json.ts';
import type { HeadOptions } from '../log-head-transaction.ts';
import { ChunkPlan, type PlanEnvironment } from './chunk-plan.ts';
import { appendInChunks, type ChunkPlanner, chunkBudget } from './chunked-append.ts';
import { type ClaimedDevice, claimDevice, claimServerDevice, deviceWrite } from './device-rows.ts';
import { refreshFollowers } from './follower-rows.ts';
import { decodeRow, OPS_TABLE, QUARANTINE_TABLE, QuarantineRowCodec } from './log-rows.ts';

/** What an append needs besides its request. */
export interface AppendEnvironment extends PlanEnvironment {
  readonly head: HeadOptions;
  /** Tells listeners about a committed head. */
  readonly committed: (head: number) => void;
}

/** A refusal found inside a plan: thrown out of `appendUnderHead`, which stages nothing. */
export class PlanRefusal extends Error {
  constructor(readonly error: SyncError) {
    super(error.message);
    this.name = 'PlanRefusal';
  }
}

/** The first answers of ops whose seqs the device has already used. */
const priorAnswers = async (
  env: PlanEnvironment,
  deviceId: string,
  seqs: readonly number[],
): Promise<ReadonlyMap<number, OpResult>> => {
  const answers = new Map<number, OpResult>();
  if (seqs.length === 0) return answers;
  const byDevice = [Query.equal('deviceId', deviceId)];
  for (const row of await env.store.allWhereIn(OPS_TABLE, 'seq', seqs, byDevice)) {
    const seq = Number(row.seq);
    const cursor = encodeCursor(env.identity, positionOf(Number(row.position)));
    answers.set(seq, { seq, status: 'duplicate', cursor });
  }
  for (const row of await env.store.allWhereIn(QUARANTINE_TABLE, 'seq', seqs, byDevice)) {
    const r = decodeRow(QuarantineRowCodec, row, `quarantined ${deviceId}`);
    const error = readJsonText(StoredOpError, r.error, `quarantined ${deviceId}:${r.seq}`);
    answers.set(r.seq, { seq: r.seq, status: 'rejected', error });
  }
  return answers;
};

const answerOf = (seq: number, processed: Awaited<ReturnType<ChunkPlan['process']>>): OpResult =>
  processed.kind === 'accepted'
    ? { seq, status: 'accepted', cursor: processed.op.cursor }
    : { seq, status: 'rejected', error: processed.error };

/** Runs the chunks; a refusal thrown by a plan becomes the answer. */
const chunked = async (
  env: AppendEnvironment,
  length: number,
  planner: ChunkPlanner<OpResult>,
  acked: () => number,
): Promise<E.Either<SyncError, AppendResult>> => {
  try {
    const { answers, head, transferred } = await appendInChunks(
      env.store.tablesDb,
      env.store.databaseId,
      length,
      planner,
      env.head,
      env.committed,
    );
    await refreshFollowers(env.store, transferred);
    return E.right({
      results: answers,
      ackedSeq: acked(),
      head: encodeCursor(env.identity, positionOf(head)),
    });
  } catch (error) {
    if (error instanceof PlanRefusal) return E.left(error.error);
    throw error;
  }
};

/** Appends a device's batch (see the module's invariants). */
export const appendBatch = async (
  env: AppendEnvironment,
  request: AppendRequest,
  now: number,
): Promise<E.Either<SyncError, AppendResult>> => {
  const first = await claimDevice(env.store, request.principal, request.deviceId);
  if (E.isLeft(first)) return first;
  const author: Author = { userId: request.principal.userId, role: request.principal.role };
  const budget = chunkBudget(env.head);
  let ackedSeq = first.right.progress.ackedSeq;
  return chunked(
    env,
    request.ops.length,
    async (head, start, end) => {
      const claimed = await claimDevice(env.store, request.principal, request.deviceId);
      if (E.isLeft(claimed)) throw new PlanRefusal(claimed.left);
      const device = { ...claimed.right.progress };
      const progressed: ClaimedDevice = { ...claimed.right, progress: device };
      const ops = request.ops.slice(start, end);
      const known = ops.map((o) => o.seq).filter((seq) => seq <= device.ackedSeq);
      const prior = await priorAnswers(env, request.deviceId, known);
      const plan = new ChunkPlan(env, now, head);
      await plan.prefetch(ops.filter((o) => o.seq > device.ackedSeq).map((o) => o.raw));
      const answers: OpResult[] = [];
      let next = start + ops.length;
      let overflowAt: number | undefined;
      for (const [offset, incoming] of ops.entries()) {
        const index = start + offset;
        if (incoming.seq <= device.ackedSeq) {
          const answer = prior.get(incoming.seq);
          if (answer === undefined) {
            throw new Error(
              `bug: ${request.deviceId}:${incoming.seq} was acknowledged but has no answer`,
            );
          }
          answers.push(answer);
          continue;
        }
        if (incoming.seq > device.ackedSeq + 1) {
          const expected = device.ackedSeq + 1;
          for (const rest of request.ops.slice(index)) {
            answers.push({ seq: rest.seq, status: 'gap', expected });
          }
          next = request.ops.length;
          break;
        }
        const processed = await plan.process(
          index,
          incoming.raw,
          { deviceId: request.deviceId, seq: incoming.seq },
          device,
          author,
          { kind: 'push', principal: request.principal },
        );
        answers.push(answerOf(incoming.seq, processed));
        if (
          end === undefined &&
          plan.writes(deviceWrite(request.deviceId, progressed, now)).length > budget
        ) {
          overflowAt = index;
          break;
        }
      }
      if (overflowAt === undefined) env.fault('commit', request.ops.length);
      ackedSeq = device.ackedSeq;
      return {
        outcome: { answers, next, appended: plan.appended, transferred: [...plan.transferred] },
        writes: plan.writes(deviceWrite(request.deviceId, progressed, now)),
        overflowAt,
      };
    },
    () => ackedSeq,
  );
};

/** The raw op of a server draft: the device's next seq, and a ctx of the document's whole vector. */
const rawOfDraft = (
  plan: ChunkPlan,
  deviceId: string,
  seq: number,
  index: number,
  draft: ServerOpDraft,
  now: number,
): Record<string, unknown> => {
  const collection = CollectionNameCodec.decode(draft.collection);
  const ctx = E.isRight(collection)
    ? normalize(plan.docs.get(collection.right, draft.docId).view?.vv ?? {})
    : {};
  const raw: Record<string, unknown> = {
    deviceId,
    seq,
    hlc: { ms: now, n: index },
    collection: draft.collection,
    docId: draft.docId,
    kind: draft.kind,
    ctx,
    schema: CURRENT_OP_SCHEMA,
  };
  if (draft.data !== undefined) raw.data = draft.data;
  return raw;
};

/** Appends ops as the server itself: each op is its device's next seq (see `OperationLog`). */
export const appendServerOps = async (
  env: AppendEnvironment,
  deviceId: string,
  author: Author,
  drafts: readonly ServerOpDraft[],
  now: number,
): Promise<E.Either<SyncError, AppendResult>> => {
  if (!isReservedDevice(deviceId)) {
    return E.left(syncError('bad_request', `server ops need a server device, not ${deviceId}`));
  }
  const budget = chunkBudget(env.head);
  let ackedSeq = 0;
  return chunked(
    env,
    drafts.length,
    async (head, start, end) => {
      const claimed = await claimServerDevice(env.store, deviceId);
      const device = { ...claimed.progress };
      const progressed: ClaimedDevice = { ...claimed, progress: device };
      const plan = new ChunkPlan(env, now, head);
      const answers: OpResult[] = [];
      const part = drafts.slice(start, end);
      let overflowAt: number | undefined;
      for (const [offset, draft] of part.entries()) {
        const index = start + offset;
        const seq = device.ackedSeq + 1;
        const collection = CollectionNameCodec.decode(draft.collection);
        if (E.isRight(collection)) {
          await plan.docs.load([{ collection: collection.right, docId: draft.docId }]);
        }
        const raw = rawOfDraft(plan, deviceId, seq, index, draft, now);
        const processed = await plan.process(index, raw, { deviceId, seq }, device, author, {
          kind: 'server',
        });
        answers.push(answerOf(seq, processed));
        if (
          end === undefined &&
          plan.writes(deviceWrite(deviceId, progressed, now)).length > budget
        ) {
          overflowAt = index;
          break;
        }
      }
      if (overflowAt === undefined) env.fault('commit', drafts.length);
      ackedSeq = device.ackedSeq;
      return {
        outcome: {
          answers,
          next: start + part.length,
          appended: plan.appended,
          transferred: [...plan.transferred],
        },
        writes: plan.writes(deviceWrite(deviceId, progressed, now)),
        overflowAt,
      };
    },
    () => ackedSeq,
  );
};
