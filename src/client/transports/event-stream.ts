/**
 * Reading the body of `GET /v1/events` (PROTOCOL.md): bytes to text to server-sent events
 * (`sse-parser.ts`), each `poke` handed on with its head. Shared by every transport that gets
 * the stream as a `ReadableStream` of bytes.
 *
 * Invariants:
 * 1. The stream is read until it ends (right), fails (left, `network`) or the request's signal
 *    aborts (right: the caller asked for it).
 * 2. Silence longer than `silenceMs` (the server sends a heartbeat every 15 s) counts as a
 *    dropped connection: a half-open TCP connection does not leave the replica deaf forever.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { feedSse, initialSse } from './sse-parser.ts';
import type { EventsRequest, TransportError } from './sync-transport.ts';

/** Three heartbeats missed. */
export const DEFAULT_SILENCE_MS = 45_000;

const PokeData = t.type({ head: t.string });

const headOf = (data: string): string | undefined => {
  try {
    const decoded = PokeData.decode(JSON.parse(data));
    return E.isRight(decoded) ? decoded.right.head : undefined;
  } catch {
    return undefined;
  }
};

/** Reads an open event stream (see the module's invariants). */
export const readEventStream = async (
  body: ReadableStream<Uint8Array>,
  request: Pick<EventsRequest, 'signal' | 'onPoke'>,
  silenceMs: number = DEFAULT_SILENCE_MS,
): Promise<E.Either<TransportError, void>> => {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let state = initialSse;
  let silent = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      silent = true;
      void reader.cancel().catch(() => undefined);
    }, silenceMs);
  };
  const onAbort = (): void => {
    void reader.cancel().catch(() => undefined);
  };
  request.signal.addEventListener('abort', onAbort, { once: true });
  arm();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      arm();
      const step = feedSse(state, decoder.decode(chunk.value, { stream: true }));
      state = step.state;
      for (const message of step.messages) {
        if (message.event !== 'poke') continue;
        const head = headOf(message.data);
        if (head !== undefined) request.onPoke(head);
      }
    }
  } catch (error) {
    if (!request.signal.aborted) {
      return E.left({
        kind: 'network',
        message: error instanceof Error ? error.message : 'stream failed',
      });
    }
  } finally {
    clearTimeout(watchdog);
    request.signal.removeEventListener('abort', onAbort);
  }
  if (silent && !request.signal.aborted) {
    return E.left({ kind: 'network', message: `no heartbeat for ${silenceMs} ms` });
  }
  return E.right(undefined);
};
