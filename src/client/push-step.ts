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
 * 4. While the outbox holds more than one batch, the next batch is sent before the answer to the
 *    current one is read (`PushesAhead`), so the server appends one while the device records the
 *    other. The server takes a device's ops in seq order only: should the batch sent ahead
 *    reach it first (two sent at once may race), it waits a moment for the one it follows
 *    (`push-handler.ts`); if that one is slower still, it answers `gap` for all of it, and the
 *    push sends it again from the first unanswered seq (invariant 1 keeps that safe). A batch sent
 *    ahead is used only by the step that starts at its first seq. When a step resends a batch
 *    that was overtaken, the batch already sent after it stays the one ahead instead of being
 *    sent a second time (it is answered for whichever way the two arrive, so nothing is sent
 *    only to be answered `duplicate`); since it left before the resend, its own step sends
 *    nothing ahead, so that one race costs one resend, not a resend of every batch after it.
 *    A batch held that no step can use (a push from a seq the server asked for, a probe) is
 *    dropped; its ops, still unanswered, are sent again.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Operation } from '../domain/operation.ts';
import { type BatchChoice, chooseBatch } from './outbox-batch.ts';
import { outcomeOfPush, type PushOutcome } from './push-outcome.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta, settleStale } from './settle-pass.ts';
import type { PushFrom, SyncEvent } from './sync-machine.ts';
import type { TransportResult } from './transports/sync-transport.ts';
import type { PushAnswer } from './transports/wire-answers.ts';

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
      // The seqs only: an entry's op is decoded when asked for, and none is needed here.
      const inOutbox = new Set(
        (await store.outboxFrom(Math.min(...sent.keys()), sent.size)).map((e) => e.seq),
      );
      await store.markAnswered(outcome.answered.filter(({ seq }) => inOutbox.has(seq)));
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

/** A push sent, whose answer is read by the step that takes it. */
interface SentPush {
  readonly ops: readonly Operation[];
  readonly answer: TransportResult<PushAnswer>;
}

/**
 * The next batch of a push, sent before the answer to the current one is read (see the module,
 * invariant 4), and taken by the next step when it starts where that batch starts.
 */
export class PushesAhead {
  #ahead: SentPush | null = null;
  /** The batch held left before a batch that comes before it in seq order (a resend). */
  #early = false;

  /**
   * The batch sent ahead from seq `start`, if that is where it starts (it is then taken), and
   * whether it left early: before the resend of the batch before it.
   */
  take(start: number): { readonly push: SentPush; readonly early: boolean } | null {
    const ahead = this.#ahead;
    if (ahead === null || !this.holds(start)) return null;
    const taken = { push: ahead, early: this.#early };
    this.drop();
    return taken;
  }

  /** True when the batch held starts at seq `start`. */
  holds(start: number): boolean {
    return this.#ahead !== null && this.#ahead.ops[0]?.seq === start;
  }

  hold(sent: SentPush): void {
    // Should it be dropped, its answer is never awaited: a failure then is nobody's.
    sent.answer.catch(() => undefined);
    this.#ahead = sent;
    this.#early = false;
  }

  /** The batch held left before the batch just sent, which it follows: it may arrive first. */
  leftEarly(): void {
    this.#early = true;
  }

  /**
   * Forgets a batch sent ahead and not taken (the cycle ended, or the push went elsewhere): its
   * ops are still unanswered in the outbox, so a later push sends them again and the server
   * answers `duplicate` for those it logged.
   */
  drop(): void {
    this.#ahead = null;
    this.#early = false;
  }
}

/** Sends ops `start`..`end` (at most `limit`), or says why there is nothing to send. */
const sendBatch = async (
  context: ReplicaContext,
  start: number,
  end: number,
  limit: number,
): Promise<
  | { readonly kind: 'sent'; readonly push: SentPush }
  | Exclude<BatchChoice, { readonly kind: 'batch' }>
> => {
  const held = await context.store.ownOps(context.deviceId, range(start, end));
  const choice = chooseBatch(held, start, end, limit);
  if (choice.kind !== 'batch') return choice;
  return {
    kind: 'sent',
    push: { ops: choice.ops, answer: context.transport.push(context.deviceId, choice.ops) },
  };
};

/** Pushes one batch (or takes the one sent ahead), sends the next ahead, and acts on the answer. */
export const pushStep = async (
  context: ReplicaContext,
  from: PushFrom,
  limit: number,
  ahead: PushesAhead,
): Promise<PushStepResult> => {
  const meta = await requireMeta(context.store);
  const last = meta.nextSeq - 1;
  const start = await startOf(context, from, last);
  if (start === null) {
    ahead.drop();
    return failed({ kind: 'nothing_to_push' });
  }
  const end = from.kind === 'last' ? start : Math.min(last, start + limit - 1);
  const taken = ahead.take(start);
  let push = taken?.push ?? null;
  const wasAhead = taken !== null;
  if (push === null) {
    const sent = await sendBatch(context, start, end, limit);
    if (sent.kind !== 'sent') ahead.drop();
    switch (sent.kind) {
      case 'empty':
        return failed({ kind: 'nothing_to_push' });
      case 'missing':
        return from.kind === 'last'
          ? failed({ kind: 'nothing_to_push' })
          : failed({ kind: 'failed', failure: { kind: 'lost_ops', seq: sent.seq } });
      case 'sent':
        push = sent.push;
        break;
      default: {
        const unreachable: never = sent;
        return unreachable;
      }
    }
  }
  const sentLast = push.ops[push.ops.length - 1]?.seq ?? start;
  if (from.kind !== 'unanswered' || sentLast >= last) {
    ahead.drop();
  } else if (ahead.holds(sentLast + 1)) {
    // This push resends a batch that the one held overtook: the one held stays the next.
    ahead.leftEarly();
  } else if (taken?.early !== true) {
    // The next batch leaves now: the server appends it right after this one, while this answer
    // is read and recorded here. (Not after a batch that left early: should it be overtaken in
    // turn, the next one would have left before its resend too.)
    const next = await sendBatch(context, sentLast + 1, Math.min(last, sentLast + limit), limit);
    if (next.kind === 'sent') ahead.hold(next.push);
    else ahead.drop();
  }
  const answer = await push.answer;
  if (E.isLeft(answer)) {
    ahead.drop();
    return failed({ kind: 'failed', failure: { kind: 'transport', error: answer.left } });
  }
  const outcome = outcomeOfPush(
    push.ops.map((op) => op.seq),
    answer.right,
  );
  if (E.isLeft(outcome)) {
    ahead.drop();
    return failed({ kind: 'failed', failure: { kind: 'protocol', message: outcome.left } });
  }
  const sent = new Map(push.ops.map((op) => [op.seq, op]));
  const rejected = await record(context, outcome.right, sent);
  for (const { op, error } of rejected) context.events.emit({ type: 'rejected', op, error });
  const settled = await settleStale(context);
  if (E.isLeft(settled)) {
    ahead.drop();
    return failed({ kind: 'failed', failure: { kind: 'transport', error: settled.left } });
  }
  const more = (await context.store.firstUnanswered()) !== undefined;
  const { resendFrom, answered, rejected: refused } = outcome.right;
  // A batch sent ahead answered `gap` at its first op reached the server before the batch it
  // follows (invariant 4): it is sent again from the first unanswered seq, not from the seq the
  // server expected then, which the batch before it has since covered. Should the server still
  // miss ops, that push meets its `gap` and resends from there.
  const overtaken =
    wasAhead && resendFrom !== null && answered.length === 0 && refused.length === 0;
  return {
    event: { kind: 'pushed', resendFrom: overtaken ? null : resendFrom, more: more || overtaken },
    answered: answered.length,
  };
};
