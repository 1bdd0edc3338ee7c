/**
 * What every handler gets: the exchange (the request, its route parameters and the
 * authenticated principal) and the service's dependencies. Handlers answer with an `Answer`
 * value; they throw only when something below them does (the pipeline answers that with
 * `unavailable` or `internal`).
 */
import type { Logger } from 'pino';
import type { HttpRequest } from '../adapters/http/http-exchange.ts';
import type { Principal } from '../domain/principal.ts';
import type { OperationLog } from '../log/operation-log.ts';
import type { Answer } from './answer.ts';
import type { SnapshotPagesAhead } from './snapshot-pages-ahead.ts';
import type { SyncMetrics } from './sync-metrics.ts';

/** The service's dependencies, shared by every handler. */
export interface SyncDeps {
  readonly log: OperationLog;
  readonly logger: Logger;
  readonly metrics: SyncMetrics;
  /** Milliseconds between event-stream heartbeats (PROTOCOL.md: 15 s). */
  readonly heartbeatMs: number;
  /** Snapshot pages built ahead (`snapshot-pages-ahead.ts`); none where a host cannot keep them. */
  readonly snapshotPagesAhead?: SnapshotPagesAhead;
}

/** A request of an authenticated route. */
export interface Exchange {
  readonly request: HttpRequest;
  readonly params: Readonly<Record<string, string>>;
  readonly principal: Principal;
}

/** A handler of a route that needs credentials. */
export type SyncHandler = (exchange: Exchange, deps: SyncDeps) => Promise<Answer>;

/** A handler of a route open to everyone (`/healthz`). */
export type PublicHandler = (request: HttpRequest, deps: SyncDeps) => Promise<Answer>;
