/**
 * `POST /v1/push`: decompress and check the request (`wire/push-messages.ts`), append it in one
 * transaction, answer each op's result. Logs one line per push with its dots and cursors, and one
 * per rejected op with its reason.
 */
import * as E from 'fp-ts/lib/Either.js';
import { forbidden } from '../../domain/errors.ts';
import { isReservedDevice } from '../../domain/ids.ts';
import type { AppendResult } from '../../log/operation-log.ts';
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
    const result = await deps.log.append({ principal, deviceId, ops });
    if (E.isLeft(result)) return failure(result.left);
    countOutcomes(result.right, deps, deviceId);
    return ok(encodePushResponse(result.right));
  } finally {
    endTimer();
  }
};
