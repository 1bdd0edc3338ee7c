/**
 * What a replica needs of the server: the sync routes of PROTOCOL.md, typed, their answers
 * decoded. `httpTransport` speaks HTTP; `inProcessTransport` calls the server's request handler
 * in the same process (tests, tools).
 *
 * Invariants:
 * 1. No method throws for anything the network or the server does: failures are values.
 * 2. A failure says whether it is the network's (`network`), the server's answer (`http`, with
 *    PROTOCOL.md's error code), or an answer this client does not understand (`protocol`).
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../../domain/collection.ts';
import type { LoggedOp, Operation } from '../../domain/operation.ts';
import type { PullAnswer, PushAnswer, SnapshotAnswer } from './wire-answers.ts';

/** Why a request failed. */
export type TransportError =
  | { readonly kind: 'network'; readonly message: string }
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly code: string;
      readonly message: string;
      readonly path?: string;
    }
  | { readonly kind: 'protocol'; readonly message: string; readonly unsupportedSchema: boolean };

/** A request's answer, or why there is none. */
export type TransportResult<A> = Promise<E.Either<TransportError, A>>;

/** A request sent whose answer is not read yet. */
export interface UnreadAnswer<A> {
  /** Reads and decodes the answer (once). */
  read(): TransportResult<A>;
  /** Drops the request, answered or not. */
  cancel(): void;
}

/** What a pull page asks for. */
export interface PullRequest {
  /** The cursor to read after. */
  readonly after: string;
  readonly limit: number;
  readonly deviceId: string;
}

/** An events subscription: where to start and whom to tell. */
export interface EventsRequest {
  /** The cursor the replica has pulled to (null: from the head). */
  readonly after: string | null;
  readonly deviceId: string;
  /** Aborting it closes the stream. */
  readonly signal: AbortSignal;
  /** Called once the server has accepted the subscription. */
  readonly onOpen: () => void;
  /** Called for each `poke`, with the head it announces. */
  readonly onPoke: (head: string) => void;
}

/** The sync routes a replica uses (see the module). */
export interface SyncTransport {
  /** `POST /v1/push`. */
  push(deviceId: string, ops: readonly Operation[]): TransportResult<PushAnswer>;
  /** `GET /v1/pull`. */
  pull(request: PullRequest): TransportResult<PullAnswer>;
  /**
   * `GET /v1/pull` of a page asked now and read later (as `snapshotAhead`). Absent when the
   * transport cannot hold an answer unread; the replica then asks ahead with `pull`.
   */
  readonly pullAhead?: (request: PullRequest) => UnreadAnswer<PullAnswer>;
  /** `GET /v1/snapshot` (`page` null: the first page). */
  snapshot(page: string | null): TransportResult<SnapshotAnswer>;
  /**
   * `GET /v1/snapshot` of a page asked now and read later: the request leaves at once and the
   * answer is read (and decoded) by `read`, or dropped by `cancel`. Absent when the transport
   * cannot hold an answer unread; the replica then asks ahead with `snapshot`.
   */
  readonly snapshotAhead?: (page: string) => UnreadAnswer<SnapshotAnswer>;
  /** `GET /v1/ops/:collection/:docId`. */
  documentOps(collection: CollectionName, docId: string): TransportResult<readonly LoggedOp[]>;
  /**
   * `GET /v1/events`: resolves when the stream ends (right) or fails (left). Absent when the
   * transport cannot stream; the replica then polls.
   */
  readonly events?: (request: EventsRequest) => TransportResult<void>;
}

/** A failure worth retrying with backoff: the network's, or a 5xx (DESIGN.md section 5). */
export const isRetryable = (error: TransportError): boolean =>
  error.kind === 'network' || (error.kind === 'http' && error.status >= 500);

/** A short text for people. */
export const describeTransportError = (error: TransportError): string => {
  switch (error.kind) {
    case 'network':
      return `network: ${error.message}`;
    case 'http':
      return `${error.status} ${error.code}: ${error.message}`;
    case 'protocol':
      return `unexpected answer: ${error.message}`;
    default: {
      const unreachable: never = error;
      return unreachable;
    }
  }
};
