/**
 * One request and its answer, whatever carries them: `fetch` over HTTP, or a direct call of
 * the server's request handler. `exchangeTransport` builds a `SyncTransport` on any exchange, so
 * the two transports differ only in how bytes move.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../../domain/collection.ts';
import { encodeOperation, type Operation } from '../../domain/operation.ts';
import type {
  PullRequest,
  SyncTransport,
  TransportError,
  TransportResult,
} from './sync-transport.ts';
import {
  type AnswerError,
  decodeOpsAnswer,
  decodePullAnswer,
  decodePushAnswer,
  decodeSnapshotAnswer,
  ErrorBodyCodec,
} from './wire-answers.ts';

/**
 * The codings a client asks answers in: brotli first (the server makes it at quality 5), which
 * sends a facility's snapshot of 10,013 documents in 321 KB where gzip (level 6) takes 418 KB,
 * and its pull in 441 KB against 544 KB (`npm run bench -- wire`), for about the same server
 * time and no slower a device (live initial syncs over loopback, interleaved). Both transports
 * ask with it, so the handler cannot tell them apart.
 */
export const ACCEPTED_CODINGS = 'br, gzip';

/** A request, host-independent. */
export interface WireRequest {
  readonly method: 'GET' | 'POST';
  /** The route's path, starting with `/`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON value (POST only). */
  readonly body?: unknown;
}

/** An answer, its body parsed as JSON when it was JSON. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** Carries one request; a failure to carry it (not an error answer) is a `network` error. */
export type Exchange = (request: WireRequest) => Promise<E.Either<TransportError, WireResponse>>;

/** The error of a non-2xx answer, from PROTOCOL.md's error body when it has one. */
export const errorOfAnswer = (response: WireResponse): TransportError => {
  const decoded = ErrorBodyCodec.decode(response.body);
  if (E.isLeft(decoded)) {
    return {
      kind: 'http',
      status: response.status,
      code: 'unknown',
      message: `answer ${response.status} without an error body`,
    };
  }
  const { code, message, path } = decoded.right.error;
  return path === undefined
    ? { kind: 'http', status: response.status, code, message }
    : { kind: 'http', status: response.status, code, message, path };
};

const protocolError = (error: AnswerError): TransportError => ({
  kind: 'protocol',
  message: error.message,
  unsupportedSchema: error.unsupportedSchema,
});

/** Sends a request and decodes a 2xx answer's body. */
export const send = async <A>(
  exchange: Exchange,
  request: WireRequest,
  decode: (body: unknown) => E.Either<AnswerError, A>,
): TransportResult<A> => {
  const answer = await exchange(request);
  if (E.isLeft(answer)) return answer;
  const response = answer.right;
  if (response.status < 200 || response.status > 299) return E.left(errorOfAnswer(response));
  const decoded = decode(response.body);
  return E.isLeft(decoded) ? E.left(protocolError(decoded.left)) : decoded;
};

/** `GET /v1/snapshot` for a page (null: the first). */
export const snapshotRequest = (
  page: string | null,
  headers: Readonly<Record<string, string>>,
): WireRequest => ({
  method: 'GET',
  path: '/v1/snapshot',
  query: page === null ? {} : { page },
  headers,
});

/** `GET /v1/pull` for a page. */
export const pullRequest = (
  { after, limit, deviceId }: PullRequest,
  headers: Readonly<Record<string, string>>,
): WireRequest => ({
  method: 'GET',
  path: '/v1/pull',
  query: { after, limit: String(limit), deviceId },
  headers,
});

/** The sync routes over an exchange, with `headers` (credentials) on every request. */
export const exchangeTransport = (
  exchange: Exchange,
  headers: Readonly<Record<string, string>>,
): Omit<SyncTransport, 'events' | 'snapshotAhead' | 'pullAhead'> => ({
  push: (deviceId: string, ops: readonly Operation[]) =>
    send(
      exchange,
      {
        method: 'POST',
        path: '/v1/push',
        query: {},
        headers,
        body: { deviceId, ops: ops.map(encodeOperation) },
      },
      decodePushAnswer,
    ),
  pull: (request: PullRequest) => send(exchange, pullRequest(request, headers), decodePullAnswer),
  snapshot: (page: string | null) =>
    send(exchange, snapshotRequest(page, headers), decodeSnapshotAnswer),
  documentOps: (collection: CollectionName, docId: string) =>
    send(
      exchange,
      {
        method: 'GET',
        path: `/v1/ops/${encodeURIComponent(collection)}/${encodeURIComponent(docId)}`,
        query: {},
        headers,
      },
      decodeOpsAnswer,
    ),
});
