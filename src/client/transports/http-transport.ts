/**
 * The HTTP transport: `fetch` to the standalone server (or any host of PROTOCOL.md's routes),
 * with a bearer token. Request bodies are gzip-compressed where the platform has
 * `CompressionStream` (Node 18+, browsers); answers are asked for with `Accept-Encoding: br,
 * gzip` (`ACCEPTED_CODINGS`; an app whose `fetch` decodes only gzip says `acceptEncoding: 'gzip'`)
 * and decompressed by `fetch`.
 *
 * Invariants:
 * 1. Nothing it does throws: a refused connection, a timeout, a body that is not JSON are values
 *    (`network`, `protocol`).
 * 2. Every request but the event stream gives up after `timeoutMs`, so a dead server cannot
 *    hold a sync forever.
 * 3. A GET (snapshot, pull, a document's ops: safe to repeat) that fails on a connection the
 *    server closed or reset is sent once more, at once, on a new connection: a kept-alive
 *    connection may have been closed by the server while the client was busy writing a page.
 *    A push is never repeated here (the sync loop retries it with backoff), nor is any answer,
 *    4xx or 5xx, nor a timeout or a refused connection.
 * 4. Requests leave in the order they are made, whatever their bodies take to compress
 *    (`Departures`): a push sent ahead of the answer to the one before it (push-step.ts) must
 *    not overtake it on the way out, or the server answers it `gap` and it is sent again.
 */
import * as E from 'fp-ts/lib/Either.js';
import { utf8Text } from '../../adapters/http/utf8-text.ts';
import { DEFAULT_SILENCE_MS, readEventStream } from './event-stream.ts';
import {
  ACCEPTED_CODINGS,
  type Exchange,
  errorOfAnswer,
  exchangeTransport,
  pullRequest,
  send,
  snapshotRequest,
  type WireRequest,
  type WireResponse,
} from './exchange.ts';
import type {
  EventsRequest,
  SyncTransport,
  TransportError,
  UnreadAnswer,
} from './sync-transport.ts';
import { type AnswerError, decodePullAnswer, decodeSnapshotAnswer } from './wire-answers.ts';

/** Where the server is, the credentials, and the limits. */
export interface HttpTransportOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8787`. */
  readonly baseUrl: string;
  /** The bearer token of the device's user. */
  readonly token: string;
  /** Per request, ms (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * The codings to ask answers in (default `'br, gzip'`): each must be one the platform's `fetch`
   * decodes (Node's and browsers' decode both; a browser sends its own list whatever this says).
   */
  readonly acceptEncoding?: string;
  /** Gzip request bodies of at least this many bytes (default 1024; `Infinity`: never). */
  readonly gzipAboveBytes?: number;
  /** Silence on the event stream that counts as a dropped connection, ms (default 45 s). */
  readonly silenceMs?: number;
  /** The `fetch` to use (default the global one). */
  readonly fetch?: typeof fetch;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Gzips bytes with the platform's `CompressionStream`; undefined where there is none. */
const gzipped = async (bytes: Uint8Array): Promise<Uint8Array | undefined> => {
  if (typeof CompressionStream === 'undefined') return undefined;
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};

const urlOf = (baseUrl: string, request: Pick<WireRequest, 'path' | 'query'>): string => {
  const url = new URL(request.path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
  return url.toString();
};

const networkError = (error: unknown): TransportError => ({
  kind: 'network',
  message: error instanceof Error ? `${error.name}: ${error.message}` : 'request failed',
});

/** Error codes of a connection closed or reset under a request (undici's and the OS's). */
const CLOSED_CONNECTION_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_SOCKET',
  'ECONNRESET',
  'EPIPE',
]);

const codeOf = (error: unknown): unknown =>
  typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;

/** True when `fetch` failed because the connection was closed or reset under the request. */
export const isClosedConnection = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth++) {
    const code = codeOf(current);
    if (typeof code === 'string' && CLOSED_CONNECTION_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
};

const headersOf = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
};

/**
 * The order in which a transport's requests leave (invariant 4): each one is handed to `fetch`
 * only after every request made before it was, however long its body took to prepare.
 */
export class Departures {
  #previous: Promise<void> = Promise.resolve();

  /** Calls `go` with what `ready` gives, once the requests made before this one have left. */
  leave<T>(ready: Promise<T>, go: (value: T) => Promise<Response>): Promise<Response> {
    const turn = this.#previous.then(() => ready);
    const response = turn.then(go);
    // Settles right after `go` was called (or `ready` failed): the next request's turn.
    this.#previous = turn.then(
      () => undefined,
      () => undefined,
    );
    return response;
  }
}

interface PreparedRequest {
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | undefined;
}

/** The headers and the body (gzipped when large enough) of a request. */
const prepare = async (
  options: HttpTransportOptions,
  request: WireRequest,
): Promise<PreparedRequest> => {
  const headers: Record<string, string> = {
    ...request.headers,
    'accept-encoding': options.acceptEncoding ?? ACCEPTED_CODINGS,
  };
  if (request.body === undefined) return { headers, body: undefined };
  const plain = encoder.encode(JSON.stringify(request.body));
  const packed =
    plain.byteLength >= (options.gzipAboveBytes ?? 1024) ? await gzipped(plain) : undefined;
  headers['content-type'] = 'application/json';
  if (packed !== undefined) headers['content-encoding'] = 'gzip';
  return { headers, body: packed ?? plain };
};

/** Sends a request; resolves once the answer's headers are in (its body is read later). */
const startRequest = (
  options: HttpTransportOptions,
  departures: Departures,
  request: WireRequest,
  cancel?: AbortSignal,
): Promise<Response> => {
  const doFetch = options.fetch ?? fetch;
  return departures.leave(prepare(options, request), ({ headers, body }) =>
    doFetch(urlOf(options.baseUrl, request), {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal:
        cancel === undefined
          ? AbortSignal.timeout(options.timeoutMs ?? 30_000)
          : AbortSignal.any([AbortSignal.timeout(options.timeoutMs ?? 30_000), cancel]),
    }),
  );
};

/** Reads an answer's body, parsed when it is JSON. */
const readResponse = async (response: Response): Promise<WireResponse> => {
  const text = utf8Text(new Uint8Array(await response.arrayBuffer()), decoder);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: headersOf(response.headers), body: parsed };
};

/**
 * The answer of a request already `started`; a GET that fails on a connection the server closed
 * is sent once more (invariant 3).
 */
const carry = async (
  options: HttpTransportOptions,
  departures: Departures,
  request: WireRequest,
  started: Promise<Response>,
): Promise<E.Either<TransportError, WireResponse>> => {
  try {
    return E.right(await readResponse(await started));
  } catch (error) {
    if (request.method !== 'GET' || !isClosedConnection(error)) {
      return E.left(networkError(error));
    }
  }
  try {
    return E.right(await readResponse(await startRequest(options, departures, request)));
  } catch (error) {
    return E.left(networkError(error));
  }
};

/** The exchange over `fetch`. */
const fetchExchange =
  (options: HttpTransportOptions, departures: Departures): Exchange =>
  (request) =>
    carry(options, departures, request, startRequest(options, departures, request));

/**
 * A page (of a snapshot, of a pull) asked now and read when `read` is called: the server makes
 * the page meanwhile, and only its bytes wait in the connection, not a parsed page.
 */
const fetchAhead = <A>(
  options: HttpTransportOptions,
  departures: Departures,
  request: WireRequest,
  decode: (body: unknown) => E.Either<AnswerError, A>,
): UnreadAnswer<A> => {
  const cancel = new AbortController();
  const started = startRequest(options, departures, request, cancel.signal);
  // Its failure is met when it is read; until then it is not an unhandled rejection.
  started.catch(() => undefined);
  return {
    read: () => send(() => carry(options, departures, request, started), request, decode),
    cancel: () => cancel.abort(),
  };
};

/** `GET /v1/events` over `fetch`. */
const fetchEvents =
  (options: HttpTransportOptions, auth: Readonly<Record<string, string>>) =>
  async (request: EventsRequest): Promise<E.Either<TransportError, void>> => {
    const doFetch = options.fetch ?? fetch;
    const query: Record<string, string> = { deviceId: request.deviceId };
    if (request.after !== null) query.after = request.after;
    let response: Response;
    try {
      response = await doFetch(urlOf(options.baseUrl, { path: '/v1/events', query }), {
        method: 'GET',
        headers: { ...auth, accept: 'text/event-stream' },
        signal: request.signal,
      });
    } catch (error) {
      return request.signal.aborted ? E.right(undefined) : E.left(networkError(error));
    }
    if (response.status !== 200 || response.body === null) {
      let parsed: unknown;
      try {
        parsed = await response.json();
      } catch {
        parsed = undefined;
      }
      return E.left(
        errorOfAnswer({
          status: response.status,
          headers: headersOf(response.headers),
          body: parsed,
        }),
      );
    }
    request.onOpen();
    return readEventStream(response.body, request, options.silenceMs ?? DEFAULT_SILENCE_MS);
  };

/** A transport to `options.baseUrl`. */
export const httpTransport = (options: HttpTransportOptions): SyncTransport => {
  const auth = { authorization: `Bearer ${options.token}` };
  const departures = new Departures();
  return {
    ...exchangeTransport(fetchExchange(options, departures), auth),
    snapshotAhead: (page) =>
      fetchAhead(options, departures, snapshotRequest(page, auth), decodeSnapshotAnswer),
    pullAhead: (request) =>
      fetchAhead(options, departures, pullRequest(request, auth), decodePullAnswer),
    events: fetchEvents(options, auth),
  };
};
