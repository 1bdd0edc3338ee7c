/**
 * `GET /v1/events?after=CURSOR&deviceId=ID`: server-sent pokes (`poke-stream.ts`). The cursor is
 * checked before the stream opens, so a bad one is answered with its status (`400 bad_cursor`,
 * `409 reset_required`); `after` absent means the current head. A `deviceId` is bound like a
 * pull's, once the cursor is found good: a refused stream binds nothing.
 */
import * as E from 'fp-ts/lib/Either.js';
import { failure } from '../answer.ts';
import { pokeStream } from '../poke-stream.ts';
import type { SyncHandler } from '../sync-handler.ts';
import { EventsQuery } from '../wire/events-messages.ts';
import { decodeParams, presentOrUndefined } from '../wire/query-params.ts';

/** The headers of an event stream; `x-accel-buffering` keeps proxies from holding pokes back. */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Opens an event stream (see the module). */
export const eventsHandler: SyncHandler = async ({ request, principal }, deps) => {
  const query = decodeParams(EventsQuery, request.query);
  if (E.isLeft(query)) return failure(query.left);
  const { deviceId } = query.right;
  const after = presentOrUndefined(query.right.after) ?? (await deps.log.head());
  const checked = await deps.log.hasVisibleAfter(principal, after);
  if (E.isLeft(checked)) return failure(checked.left);
  if (deviceId !== undefined) {
    const bound = await deps.log.bindDevice(principal, deviceId);
    if (E.isLeft(bound)) return failure(bound.left);
  }
  deps.logger.info({ userId: principal.userId, deviceId, after }, 'event stream opened');
  return {
    kind: 'stream',
    headers: EVENT_STREAM_HEADERS,
    stream: pokeStream({
      log: deps.log,
      principal,
      after,
      heartbeatMs: deps.heartbeatMs,
      signal: request.signal,
      metrics: deps.metrics,
      logger: deps.logger,
    }),
  };
};
