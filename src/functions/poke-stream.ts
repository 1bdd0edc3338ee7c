/**
 * The event stream of one subscriber (PROTOCOL.md, GET /v1/events): a poke whenever ops visible
 * to the principal exist after what it was last poked with, and a heartbeat comment meanwhile.
 *
 * Invariants:
 * 1. It subscribes to the log's commits before its first check, so an op committed while the
 *    stream opens is never missed: the first check runs at once, and every commit (this
 *    instance's, and other instances' where the log relays them) starts another.
 * 2. Checks never overlap: commits during a check are coalesced into one more check.
 * 3. A poke carries a head read after the check that found visible ops after the watermark,
 *    so it covers every op the check found; the watermark moves to that head. Ops committed
 *    meanwhile are covered too (the subscriber pulls to the head), or start another check: a
 *    poke may be redundant, never missing.
 * 4. The stream ends when the request's signal aborts (the client left, the server shuts down)
 *    or the host cancels it; then it unsubscribes and stops its heartbeat.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import type { Principal } from '../domain/principal.ts';
import type { OperationLog } from '../log/operation-log.ts';
import type { SyncMetrics } from './sync-metrics.ts';
import { heartbeatComment, pokeEvent } from './wire/events-messages.ts';

/** What a stream needs: the log, whose stream it is, and from where. */
export interface PokeStreamOptions {
  readonly log: OperationLog;
  readonly principal: Principal;
  /** The cursor the subscriber has pulled to (already checked against the log). */
  readonly after: string;
  readonly heartbeatMs: number;
  readonly signal: AbortSignal | undefined;
  readonly metrics: SyncMetrics;
  readonly logger: Logger;
}

const encoder = new TextEncoder();

/** Opens the stream (see the module's invariants). */
export const pokeStream = (options: PokeStreamOptions): ReadableStream<Uint8Array> => {
  const { log, principal, signal, metrics, logger } = options;
  let close = (): void => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let watermark = options.after;
      let checking = false;
      let again = false;

      const send = (text: string): void => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };

      const check = async (): Promise<void> => {
        if (checking) {
          again = true;
          return;
        }
        checking = true;
        try {
          do {
            again = false;
            const visible = await log.hasVisibleAfter(principal, watermark);
            if (closed) return;
            if (E.isLeft(visible)) {
              logger.warn(
                { userId: principal.userId, code: visible.left.code },
                'event stream ended',
              );
              close();
              return;
            }
            if (visible.right) {
              const head = await log.head();
              if (closed) return;
              send(pokeEvent(head));
              metrics.pokes.inc();
              logger.debug({ userId: principal.userId, after: watermark, head }, 'poke');
              watermark = head;
            }
          } while (again && !closed);
        } catch (error) {
          logger.warn({ userId: principal.userId, err: error }, 'poke check failed');
        } finally {
          checking = false;
        }
      };

      const unsubscribe = log.onCommit(() => {
        void check();
      });
      const heartbeat = setInterval(() => send(heartbeatComment()), options.heartbeatMs);
      metrics.eventSubscribers.inc();

      close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        signal?.removeEventListener('abort', close);
        metrics.eventSubscribers.dec();
        try {
          controller.close();
        } catch {
          // Already closed or cancelled by the host.
        }
      };
      signal?.addEventListener('abort', close, { once: true });
      if (signal?.aborted === true) {
        close();
        return;
      }
      // A first comment makes the host send the headers now, so the client sees the stream open.
      send(': connected\n\n');
      void check();
    },
    cancel() {
      close();
    },
  });
};
