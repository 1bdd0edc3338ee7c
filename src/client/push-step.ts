/**
 * One push (PROTOCOL.md, POST /v1/push): a batch chosen from the outbox (`outbox-batch.ts`),
 * sent, and every result acted on (`push-outcome.ts`) in one transaction.
 *
 * Invariants:
 * 1. An op stays in the outbox until the server has answered it: a push whose answer is lost
 *    (a killed process, a dropped connection) is sent again, and the server answers
 *    `duplicate`, so nothing is lost and nothing is logged twice.
 * 2. A rejected op leaves the outbox and the view, is kept with its reason, and reaches the app
 *    as a `rejected` event once.
 * 3. A `gap` may ask for ops the outbox no longer holds (a server restored from a backup): they
 *    are resent from wherever the replica still has them (its rejections, its logged ops).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Operation } from '../domain/operation.ts';
import { chooseBatch } from './outbox-batch.ts';
import { outcomeOfPush, type PushOutcome } from './push-outcome.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta, settleStale } from './settle-pass.ts';
import type { PushFrom, SyncEvent } from './sync-machine.ts';

/** The event for the machine, and how many ops were answered. */
export interface PushStepResult {
  readonly event: SyncEvent;
  /** Ops the server answered `accepted` or `duplicate`. */
  readonly answered: number;
}

const failed = (event: SyncEvent): PushStepResult => ({ event, answered: 0 });

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** The first seq of the batch, or `null` when there is nothing to push. */
const startOf = async (
  context: ReplicaContext,
  from: PushFrom,
  last: number,
): Promise<number | null> => {
  switch (from.kind) {
    case 'unanswered':
      return (await context.store.firstUnanswered()) ?? null;
    case 'seq':
      return from.seq;
    case 'last':
      return last >= 1 ? last : null;
    default: {
      const unreachable: never = from;
      return unreachable;
    }
  }
};

/** Acts on every result in one transaction; returns the rejections new to the replica. */
const record = async (
  context: ReplicaContext,
  outcome: PushOutcome,
  sent: ReadonlyMap<number, Operation>,
): Promise<
  readonly { readonly op: Operation; readonly error: PushOutcome['rejected'][number]['error'] }[]
> =>
  context.writes.run(() =>
    context.store.transaction(async (store) => {
      const meta = await requireMeta(store);
      const inOutbox = new Set(
        (await store.outboxFrom(Math.min(...sent.keys()), sent.size)).map((e) => e.op.seq),
      );
      for (const { seq, cursor } of outcome.answered) {
        if (inOutbox.has(seq)) await store.markAnswered(seq, cursor);
      }
      const news: { op: Operation; error: PushOutcome['rejected'][number]['error'] }[] = [];
      const rejectedAt = context.now();
      for (const { seq, error } of outcome.rejected) {
        const op = sent.get(seq);
        if (op === undefined) continue;
        if (await store.addRejection({ op, error, rejectedAt })) news.push({ op, error });
        if (inOutbox.has(seq)) {
          await store.removeFromOutbox([seq]);
          await store.markStale([{ collection: op.collection, docId: op.docId }]);
        }
      }
      if (outcome.ackedSeq >= meta.nextSeq) {
        await store.saveMeta({ ...meta, nextSeq: outcome.ackedSeq + 1 });
      }
      return news;
    }),
  );

/** Pushes one batch and acts on its answer. */
export const pushStep = async (
  context: ReplicaContext,
  from: PushFrom,
  limit: number,
): Promise<PushStepResult> => {
  const meta = await requireMeta(context.store);
  const last = meta.nextSeq - 1;
  const start = await startOf(context, from, last);
  if (start === null) return failed({ kind: 'nothing_to_push' });
  const end = from.kind === 'last' ? start : Math.min(last, start + limit - 1);
  const held = await context.store.ownOps(context.deviceId, range(start, end));
  const choice = chooseBatch(held, start, end, limit);
  switch (choice.kind) {
    case 'empty':
      return failed({ kind: 'nothing_to_push' });
    case 'missing':
      return from.kind === 'last'
        ? failed({ kind: 'nothing_to_push' })
        : failed({ kind: 'failed', failure: { kind: 'lost_ops', seq: choice.seq } });
    case 'batch':
      break;
    default: {
      const unreachable: never = choice;
      return unreachable;
    }
  }
  const answer = await context.transport.push(context.deviceId, choice.ops);
  if (E.isLeft(answer)) {
    return failed({ kind: 'failed', failure: { kind: 'transport', error: answer.left } });
  }
  const outcome = outcomeOfPush(
    choice.ops.map((op) => op.seq),
    answer.right,
  );
  if (E.isLeft(outcome)) {
    return failed({ kind: 'failed', failure: { kind: 'protocol', message: outcome.left } });
  }
  const sent = new Map(choice.ops.map((op) => [op.seq, op]));
  const rejected = await record(context, outcome.right, sent);
  for (const { op, error } of rejected) context.events.emit({ type: 'rejected', op, error });
  const settled = await settleStale(context);
  if (E.isLeft(settled)) {
    return failed({ kind: 'failed', failure: { kind: 'transport', error: settled.left } });
  }
  const more = (await context.store.firstUnanswered()) !== undefined;
  return {
    event: { kind: 'pushed', resendFrom: outcome.right.resendFrom, more },
    answered: outcome.right.answered.length,
  };
};
