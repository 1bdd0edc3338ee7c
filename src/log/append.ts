/**
 * Appending batches (DESIGN.md section 4; PROTOCOL.md, POST /v1/push): a device's batch, and
 * the server's own ops.
 *
 * Invariants:
 * 1. A batch is one transaction: every answer it gives is durable, or none is.
 * 2. Per op, in order: a seq the device already used gets its first answer again (`duplicate`
 *    with the op's cursor, or the same `rejected`); a seq beyond the next expected one is a
 *    `gap`, for it and every later op; the next seq is processed (`AppendSession.process`).
 * 3. A request-level refusal (another user's device, a reserved one) processes nothing.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { SyncError } from '../domain/errors.ts';
import { syncError } from '../domain/errors.ts';
import { tick } from '../domain/hlc.ts';
import { isReservedDevice } from '../domain/ids.ts';
import type { Author } from '../domain/principal.ts';
import { type AppendEnvironment, AppendSession } from './append-session.ts';
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
} from './batch-answer.ts';
import {
  claimDevice,
  claimServerDevice,
  type DeviceProgress,
  lastServerClock,
  saveProgress,
} from './device-registry.ts';
import type { LogTables } from './log-tables.ts';
import type { AppendRequest, AppendResult, OpResult, ServerOpDraft } from './operation-log.ts';
import { readJsonText, StoredOpError } from './stored-json.ts';

/** An append's answer, and the head to announce locally if it appended anything. */
export interface AppendOutcome {
  readonly result: AppendResult;
  readonly appendedHead: number | undefined;
}

/** The first answers of ops whose seqs the device has already used. */
const priorAnswers = async (
  db: Kysely<LogTables>,
  env: AppendEnvironment,
  deviceId: string,
  seqs: readonly number[],
): Promise<ReadonlyMap<number, OpResult>> => {
  const answers = new Map<number, OpResult>();
  if (seqs.length === 0) return answers;
  const accepted = await db
    .selectFrom('ops')
    .select(['seq', 'position'])
    .where('device_id', '=', deviceId)
    .where('seq', 'in', seqs)
    .execute();
  for (const row of accepted) {
    answers.set(row.seq, duplicateAnswer(env.identity, row.seq, row.position));
  }
  const rejected = await db
    .selectFrom('quarantine')
    .select(['seq', 'error'])
    .where('device_id', '=', deviceId)
    .where('seq', 'in', seqs)
    .execute();
  for (const row of rejected) {
    const error = readJsonText(StoredOpError, row.error, `quarantined ${deviceId}:${row.seq}`);
    answers.set(row.seq, quarantinedAnswer(row.seq, error));
  }
  return answers;
};

/** Appends a device's batch (see the module's invariants). */
export const appendBatch = (
  db: Kysely<LogTables>,
  env: AppendEnvironment,
  request: AppendRequest,
  now: number,
): Promise<E.Either<SyncError, AppendOutcome>> =>
  db.transaction().execute(async (trx) => {
    const session = await AppendSession.begin(trx, env, now);
    const claimed = await claimDevice(trx, request.principal, request.deviceId, now);
    if (E.isLeft(claimed)) return claimed;
    const device: DeviceProgress = {
      ackedSeq: claimed.right.acked_seq,
      chainHash: claimed.right.chain_hash,
    };
    const known = knownSeqs(request.ops, device.ackedSeq);
    const prior = await priorAnswers(trx, env, request.deviceId, known);
    // Keys in sorted order, as the states that record the author store it (`document-state.ts`).
    const author: Author = { role: request.principal.role, userId: request.principal.userId };
    const results: OpResult[] = [];
    await session.prefetch(newRaws(request.ops, device.ackedSeq));

    for (const [index, incoming] of request.ops.entries()) {
      const step = answerUnprocessed(
        results,
        prior,
        request.deviceId,
        request.ops,
        index,
        device.ackedSeq,
      );
      if (step === 'answered') continue;
      if (step === 'gaps') break;
      const processed = await session.process(
        index,
        incoming.raw,
        { deviceId: request.deviceId, seq: incoming.seq },
        device,
        author,
        { kind: 'push', principal: request.principal },
      );
      results.push(answerOf(incoming.seq, processed));
    }

    await session.finish(request.ops.length);
    await saveProgress(trx, request.deviceId, device, now);
    return E.right({
      result: appendResultOf(env.identity, results, device.ackedSeq, session.head),
      appendedHead: session.appended ? session.head : undefined,
    });
  });

/** Appends ops as the server itself: each op is its device's next seq (see `OperationLog`). */
export const appendServerOps = async (
  db: Kysely<LogTables>,
  env: AppendEnvironment,
  deviceId: string,
  author: Author,
  drafts: readonly ServerOpDraft[],
  now: number,
): Promise<E.Either<SyncError, AppendOutcome>> => {
  if (!isReservedDevice(deviceId)) {
    return E.left(syncError('bad_request', `server ops need a server device, not ${deviceId}`));
  }
  return db.transaction().execute(async (trx) => {
    const session = await AppendSession.begin(trx, env, now);
    const row = await claimServerDevice(trx, deviceId, now);
    const device: DeviceProgress = { ackedSeq: row.acked_seq, chainHash: row.chain_hash };
    let clock = await lastServerClock(trx, deviceId);
    const results: OpResult[] = [];
    for (const [index, draft] of drafts.entries()) {
      const seq = device.ackedSeq + 1;
      const ref = draftRef(draft);
      if (ref !== undefined) await session.cache.load([ref]);
      clock = tick(clock, now);
      const raw = rawOfDraft(session.cache, deviceId, seq, draft, clock);
      const processed = await session.process(index, raw, { deviceId, seq }, device, author, {
        kind: 'server',
      });
      results.push(answerOf(seq, processed));
    }
    await session.finish(drafts.length);
    await saveProgress(trx, deviceId, device, now);
    return E.right({
      result: appendResultOf(env.identity, results, device.ackedSeq, session.head),
      appendedHead: session.appended ? session.head : undefined,
    });
  });
};
