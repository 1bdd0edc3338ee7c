/**
 * What a push answer means for the outbox (PROTOCOL.md, POST /v1/push), decided purely.
 *
 * Invariants:
 * 1. Every result is acted on: `accepted` and `duplicate` mark the op answered (it stays pending
 *    in the view until the pull brings it back logged); `rejected` removes it, final;
 *    `gap` stops the batch and says which seq to resend from.
 * 2. An answer that does not hold one result per op sent, in order, is not believed: nothing of
 *    it is acted on.
 * 3. Ops after a `gap` are left untouched: the server did not process them.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { OpError } from '../domain/errors.ts';
import type { PushAnswer } from './transports/wire-answers.ts';

/** What to do with the outbox after one push answer. */
export interface PushOutcome {
  /** Ops the server logged (now or before), with their cursors. */
  readonly answered: readonly { readonly seq: number; readonly cursor: string }[];
  readonly rejected: readonly { readonly seq: number; readonly error: OpError }[];
  /** The seq the server expects next, when it answered `gap`. */
  readonly resendFrom: number | null;
  /** The highest seq the server has processed for the device. */
  readonly ackedSeq: number;
}

/** Reads a push answer against the seqs sent, or says why it cannot be believed. */
export const outcomeOfPush = (
  sent: readonly number[],
  answer: PushAnswer,
): E.Either<string, PushOutcome> => {
  if (answer.results.length !== sent.length) {
    return E.left(`the push answer has ${answer.results.length} results for ${sent.length} ops`);
  }
  const answered: { seq: number; cursor: string }[] = [];
  const rejected: { seq: number; error: OpError }[] = [];
  for (const [i, result] of answer.results.entries()) {
    if (result.seq !== sent[i]) {
      return E.left(`result ${i} of the push answer is for seq ${result.seq}, not ${sent[i]}`);
    }
    switch (result.status) {
      case 'accepted':
      case 'duplicate':
        answered.push({ seq: result.seq, cursor: result.cursor });
        break;
      case 'rejected':
        rejected.push({ seq: result.seq, error: result.error });
        break;
      case 'gap':
        if (result.expected >= result.seq) {
          return E.left(`a gap at seq ${result.seq} cannot expect ${result.expected}`);
        }
        return E.right({
          answered,
          rejected,
          resendFrom: result.expected,
          ackedSeq: answer.ackedSeq,
        });
      default: {
        const unreachable: never = result;
        return unreachable;
      }
    }
  }
  return E.right({ answered, rejected, resendFrom: null, ackedSeq: answer.ackedSeq });
};
