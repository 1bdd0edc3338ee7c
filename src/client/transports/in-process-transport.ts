/**
 * The in-process transport: the replica calls the server's request handler directly (the sync
 * service's `handle`, from src/functions), with the same requests and answers as over HTTP but
 * without a socket. For tests and tools in Node; a test can wrap the handler to drop, delay or
 * fail requests.
 *
 * Invariants:
 * 1. Requests carry exactly what the HTTP transport sends (bearer token, `accept-encoding`,
 *    JSON bodies, optionally gzip), so the handler cannot tell the difference.
 * 2. A handler that throws is a `network` failure, as a dropped connection would be.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import type { HttpRequest, HttpResponse } from '../../adapters/http/http-exchange.ts';
import { utf8Text } from '../../adapters/http/utf8-text.ts';
import { readEventStream } from './event-stream.ts';
import { ACCEPTED_CODINGS, type Exchange, errorOfAnswer, exchangeTransport } from './exchange.ts';
import type { EventsRequest, SyncTransport, TransportError } from './sync-transport.ts';

/** A host-independent request handler: the shape of the sync service's `handle`. */
export type RequestHandler = (request: HttpRequest) => Promise<HttpResponse>;

/** The handler to call and the credentials to send. */
export interface InProcessTransportOptions {
  readonly handler: RequestHandler;
  /** The bearer token of the device's user. */
  readonly token: string;
  /** Gzip request bodies (default false). */
  readonly gzipRequests?: boolean;
}

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const brotliDecompress = promisify(zlib.brotliDecompress);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const bytesOf = async (body: HttpResponse['body']): Promise<Uint8Array> =>
  body instanceof Uint8Array ? body : new Uint8Array(await new Response(body).arrayBuffer());

const decoded = async (bytes: Uint8Array, coding: string | undefined): Promise<Uint8Array> => {
  switch ((coding ?? 'identity').trim().toLowerCase()) {
    case 'gzip':
      return gunzip(bytes);
    case 'br':
      return brotliDecompress(bytes);
    default:
      return bytes;
  }
};

const parsed = (text: string): unknown => {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

const networkError = (error: unknown): TransportError => ({
  kind: 'network',
  message: error instanceof Error ? error.message : 'the handler failed',
});

const handlerExchange =
  (options: InProcessTransportOptions): Exchange =>
  async (request) => {
    try {
      const headers: Record<string, string> = {
        ...request.headers,
        'accept-encoding': ACCEPTED_CODINGS,
      };
      let body: Uint8Array = new Uint8Array();
      if (request.body !== undefined) {
        const plain = encoder.encode(JSON.stringify(request.body));
        headers['content-type'] = 'application/json';
        if (options.gzipRequests === true) {
          body = await gzip(plain);
          headers['content-encoding'] = 'gzip';
        } else {
          body = plain;
        }
      }
      const response = await options.handler({
        method: request.method,
        path: request.path,
        query: request.query,
        headers,
        body,
      });
      const bytes = await decoded(
        await bytesOf(response.body),
        response.headers['content-encoding'],
      );
      return E.right({
        status: response.status,
        headers: response.headers,
        body: parsed(utf8Text(bytes, decoder)),
      });
    } catch (error) {
      return E.left(networkError(error));
    }
  };

const handlerEvents =
  (options: InProcessTransportOptions, auth: Readonly<Record<string, string>>) =>
  async (request: EventsRequest): Promise<E.Either<TransportError, void>> => {
    const query: Record<string, string> = { deviceId: request.deviceId };
    if (request.after !== null) query.after = request.after;
    let response: HttpResponse;
    try {
      response = await options.handler({
        method: 'GET',
        path: '/v1/events',
        query,
        headers: { ...auth, accept: 'text/event-stream' },
        body: new Uint8Array(),
        signal: request.signal,
      });
    } catch (error) {
      return E.left(networkError(error));
    }
    if (response.status !== 200 || response.body instanceof Uint8Array) {
      const bytes = await bytesOf(response.body);
      return E.left(
        errorOfAnswer({
          status: response.status,
          headers: response.headers,
          body: parsed(utf8Text(bytes, decoder)),
        }),
      );
    }
    request.onOpen();
    return readEventStream(response.body, request);
  };

/** A transport that calls `options.handler` in this process. */
export const inProcessTransport = (options: InProcessTransportOptions): SyncTransport => {
  const auth = { authorization: `Bearer ${options.token}` };
  return {
    ...exchangeTransport(handlerExchange(options), auth),
    events: handlerEvents(options, auth),
  };
};
