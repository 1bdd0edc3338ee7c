/**
 * `GET /v1/pull`: a page of the ops visible to the principal after a cursor. With a `deviceId`,
 * binds an unknown device to the principal (another user's is `403`) and records the `next` it
 * was handed, for `status` and the lag metric; only once the page is read, so that a refused
 * pull (a bad cursor or limit) binds and records nothing.
 */
import * as E from 'fp-ts/lib/Either.js';
import { failure, ok } from '../answer.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { DEFAULT_PULL_LIMIT, encodePullResponse, PullQuery } from '../wire/pull-messages.ts';
import { decodeParams, presentOrUndefined } from '../wire/query-params.ts';

/** Serves a page of a pull (see the module). */
export const pullHandler: SyncHandler = async ({ request, principal }, deps) => {
  const endTimer = deps.metrics.pullSeconds.startTimer();
  try {
    const query = decodeParams(PullQuery, request.query);
    if (E.isLeft(query)) return failure(query.left);
    const { deviceId } = query.right;
    const after = presentOrUndefined(query.right.after);
    const page = await deps.log.readAfter(
      principal,
      after,
      query.right.limit ?? DEFAULT_PULL_LIMIT,
    );
    if (E.isLeft(page)) return failure(page.left);
    if (deviceId !== undefined) {
      const bound = await deps.log.bindDevice(principal, deviceId);
      if (E.isLeft(bound)) return failure(bound.left);
      await deps.log.recordPull(deviceId, page.right.next);
    }
    deps.logger.info(
      {
        deviceId,
        userId: principal.userId,
        after,
        next: page.right.next,
        ops: page.right.ops.length,
        hasMore: page.right.hasMore,
      },
      'pull',
    );
    return ok(encodePullResponse(page.right));
  } finally {
    endTimer();
  }
};
