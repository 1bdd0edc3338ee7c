/**
 * `POST /v1/push`: decompress and check the request (`wire/push-messages.ts`), append it in one
 * transaction, answer each op's result. Logs one line per push with its dots and cursors, and one
 * per rejected op with its reason.
 *
 * A device may have two pushes in flight, the second sent before the first is answered (the
 * client does, `src/client/push-step.ts`). They travel on two connections, and the second's
 * body can be read and decoded first: appended first, it would be all `gap`, and the device
 * would send it again. So a batch whose first op is a `gap` waits for the log's next commit (at
 * most `EARLY_BATCH_WAIT_MS`, `EARLY_BATCH_TRIES` times) and is appended again: the batch it
 * follows, once appended, makes it the next one. The answer is the one the batch would have had
 * had it arrived in order; a batch that still starts beyond the device's next seq is answered
 * `gap` as before.
 */
import * as E from 'fp-ts/lib/Either.js';
import { forbidden, type SyncError } from '../../domain/errors.ts';
import { isReservedDevice } from '../../domain/ids.ts';
import type { AppendRequest, AppendResult, OperationLog } from '../../log/operation-log.ts';
import { failure, ok } from '../answer.ts';
import { decodeRequestBody } from '../content-coding.ts';
import { parseJsonBody } from '../json-body.ts';
import type { SyncDeps, SyncHandler } from '../sync-handler.ts';
import { decodePushRequest, encodePushResponse, MAX_BODY_BYTES } from '../wire/push-messages.ts';

const countOutcomes = (result: AppendResult, deps: SyncDeps, deviceId: string): void => {
  let firstCursor: string | undefined;
  let lastCursor: string | undefined;
  const counts = { accepted: 0, duplicate: 0, rejected: 0, gap: 0 };
  for (const op of result.results) {
    counts[op.status] += 1;
    switch (op.status) {
      case 'accepted':
        firstCursor ??= op.cursor;
        lastCursor = op.cursor;
        break;
      case 'rejected':
        deps.metrics.opsRejected.inc({ code: op.error.code });
        deps.logger.warn(
          {
            dot: `${deviceId}:${op.seq}`,
            code: op.error.code,
            path: op.error.path,
            reason: op.error.message,
          },
          'op rejected',
        );
        break;
      case 'duplicate':
      case 'gap':
        break;
      default: {
        const unreachable: never = op;
        throw new Error(`bug: unknown op status ${JSON.stringify(unreachable)}`);
      }
    }
  }
  deps.metrics.opsAppended.inc(counts.accepted);
  deps.metrics.opsDuplicate.inc(counts.duplicate);
  deps.metrics.opsGap.inc(counts.gap);
  const first = result.results[0]?.seq;
  const last = result.results.at(-1)?.seq;
  deps.logger.info(
    {
      deviceId,
      dots: first === undefined ? [] : [`${deviceId}:${first}`, `${deviceId}:${last}`],
      ...counts,
      ackedSeq: result.ackedSeq,
      firstCursor,
      lastCursor,
      head: result.head,
    },
    'push',
  );
};

/** How long a batch that arrived before the one it follows waits for a commit, per try. */
export const EARLY_BATCH_WAIT_MS = 100;
/** How many times such a batch is appended again. */
export const EARLY_BATCH_TRIES = 3;

/** True when the batch starts beyond the device's next seq: nothing of it was processed. */
const arrivedEarly = (result: E.Either<SyncError, AppendResult>): boolean =>
  E.isRight(result) && result.right.results[0]?.status === 'gap';

/**
 * Appends the request; appends it again, after the log's next commit, while it arrived early
 * (see the module).
 */
const appendInOrder = async (
  log: OperationLog,
  request: AppendRequest,
): Promise<E.Either<SyncError, AppendResult>> => {
  // Commits are counted from before the first try, so that one landing between a try and the
  // wait is not missed.
  let commits = 0;
  let wake: (() => void) | undefined;
  const stop = log.onCommit(() => {
    commits += 1;
    wake?.();
  });
  try {
    let seen = commits;
    let result = await log.append(request);
    for (let tries = 0; tries < EARLY_BATCH_TRIES && arrivedEarly(result); tries++) {
      if (commits === seen) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, EARLY_BATCH_WAIT_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      seen = commits;
      result = await log.append(request);
    }
    return result;
  } finally {
    stop();
  }
};

/** Appends a push (see the module). */
export const pushHandler: SyncHandler = async ({ request, principal }, deps) => {
  const endTimer = deps.metrics.pushSeconds.startTimer();
  try {
    const body = await decodeRequestBody(request.headers, request.body, MAX_BODY_BYTES);
    if (E.isLeft(body)) return failure(body.left);
    const json = parseJsonBody(body.right);
    if (E.isLeft(json)) return failure(json.left);
    const push = decodePushRequest(json.right);
    if (E.isLeft(push)) return failure(push.left);
    const { deviceId, ops } = push.right;
    if (isReservedDevice(deviceId)) {
      return failure(forbidden(`device ${deviceId} is reserved for the server`, 'deviceId'));
    }
    deps.logger.info(
      { deviceId, userId: principal.userId, ops: ops.length, firstSeq: ops[0]?.seq },
      'push received',
    );
    const result = await appendInOrder(deps.log, { principal, deviceId, ops });
    if (E.isLeft(result)) return failure(result.left);
    countOutcomes(result.right, deps, deviceId);
    return ok(encodePushResponse(result.right));
  } finally {
    endTimer();
  }
};
