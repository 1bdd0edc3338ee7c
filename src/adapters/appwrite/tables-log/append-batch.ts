/**
 * Appending a device's batch, and the server's own ops, on TablesDB (the rules are those of
 * `src/log/append.ts`, answered by the same `src/log/batch-answer.ts`; the chunking is
 * `chunked-append.ts`'s).
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
import { type SyncError, syncError } from '../../../domain/errors.ts';
import { tick } from '../../../domain/hlc.ts';
import { isReservedDevice } from '../../../domain/ids.ts';
import type { Author } from '../../../domain/principal.ts';
import {
  answerOf,
  answerUnprocessed,
  appendResultOf,
  draftRef,
  duplicateAnswer,
  knownSeqs,
  newRaws,
  quarantinedAnswer,
  rawOfDraft,
} from '../../../log/batch-answer.ts';
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
import {
  type ClaimedDevice,
  claimDevice,
  claimServerDevice,
  deviceWrite,
  lastServerClock,
} from './device-rows.ts';
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
    answers.set(seq, duplicateAnswer(env.identity, seq, Number(row.position)));
  }
  for (const row of await env.store.allWhereIn(QUARANTINE_TABLE, 'seq', seqs, byDevice)) {
    const r = decodeRow(QuarantineRowCodec, row, `quarantined ${deviceId}`);
    const error = readJsonText(StoredOpError, r.error, `quarantined ${deviceId}:${r.seq}`);
    answers.set(r.seq, quarantinedAnswer(r.seq, error));
  }
  return answers;
};

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
    return E.right(appendResultOf(env.identity, answers, acked(), head));
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
      const known = knownSeqs(ops, device.ackedSeq);
      const prior = await priorAnswers(env, request.deviceId, known);
      const plan = new ChunkPlan(env, now, head);
      await plan.prefetch(newRaws(ops, device.ackedSeq));
      const answers: OpResult[] = [];
      let next = start + ops.length;
      let overflowAt: number | undefined;
      for (const [offset, incoming] of ops.entries()) {
        const index = start + offset;
        const step = answerUnprocessed(
          answers,
          prior,
          request.deviceId,
          request.ops,
          index,
          device.ackedSeq,
        );
        if (step === 'answered') continue;
        if (step === 'gaps') {
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
      let clock = await lastServerClock(env.store, deviceId);
      const device = { ...claimed.progress };
      const progressed: ClaimedDevice = { ...claimed, progress: device };
      const plan = new ChunkPlan(env, now, head);
      const answers: OpResult[] = [];
      const part = drafts.slice(start, end);
      let overflowAt: number | undefined;
      for (const [offset, draft] of part.entries()) {
        const index = start + offset;
        const seq = device.ackedSeq + 1;
        const ref = draftRef(draft);
        if (ref !== undefined) await plan.docs.load([ref]);
        clock = tick(clock, now);
        const raw = rawOfDraft(plan.docs, deviceId, seq, draft, clock);
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
