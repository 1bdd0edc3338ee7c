/**
 * The sync service: PROTOCOL.md's routes over an operation log, independent of the host. Every
 * request goes through one pipeline: authenticate (unless the route is public), run the handler,
 * turn a throw into `unavailable` or `internal`, count and log refusals, render the answer
 * (compressed by `Accept-Encoding`).
 *
 * Hosts take `routes` (mounted at their patterns) or call `handle` with any request (it routes
 * by itself), and answer their own refusals with `refuse`.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import type { Authenticator } from '../adapters/http/authenticator.ts';
import type {
  HostRefusal,
  HttpRequest,
  HttpResponse,
  HttpRoute,
} from '../adapters/http/http-exchange.ts';
import { matchRoute } from '../adapters/http/route-matching.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { OperationLog } from '../log/operation-log.ts';
import { type Answer, failure } from './answer.ts';
import { renderAnswer, renderError } from './render-answer.ts';
import {
  DEFAULT_PAGES_AHEAD,
  type PagesAheadLimits,
  SnapshotPagesAhead,
} from './snapshot-pages-ahead.ts';
import type { SyncDeps } from './sync-handler.ts';
import { type MetricsSource, SyncMetrics } from './sync-metrics.ts';
import { SYNC_ROUTES, type SyncRoute } from './sync-routes.ts';
import { systemPrincipal } from './system-principal.ts';
import { refusalOfThrow } from './unavailability.ts';
import { MAX_BODY_BYTES } from './wire/push-messages.ts';

/** PROTOCOL.md: a heartbeat comment every 15 s. */
export const HEARTBEAT_MS = 15_000;

/** What the service is built from. */
export interface SyncServiceOptions {
  readonly log: OperationLog;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /** Default: metrics read from `log`, with Node's process metrics. */
  readonly metrics?: SyncMetrics;
  readonly heartbeatMs?: number;
  /**
   * Build each snapshot page's next page ahead (`snapshot-pages-ahead.ts`): for a long-lived
   * server, not for hosts whose process may end after each answer. Default: off.
   */
  readonly snapshotPagesAhead?: boolean | PagesAheadLimits;
}

/** The service, as hosts use it. */
export interface SyncService {
  /** The routes, for hosts with a router. */
  readonly routes: readonly HttpRoute[];
  /** Routes a request by method and path itself, for hosts without a router. */
  handle(request: HttpRequest): Promise<HttpResponse>;
  /** The answer to a refusal of the host itself. */
  refuse(
    reason: HostRefusal,
    request: { readonly method: string; readonly path: string },
  ): HttpResponse;
  /** The largest request body a host should read. */
  readonly maxBodyBytes: number;
  readonly metrics: SyncMetrics;
}

/** How many open conflicts a scrape counts at most (pages of the log's default size). */
const MAX_CONFLICT_PAGES = 50;

/** The metrics' view of the log, as an admin of every facility. */
export const logMetricsSource = (log: OperationLog): MetricsSource => {
  const admin = systemPrincipal('metrics', 'admin');
  return {
    deviceLag: async () => {
      const overview = await log.statusOverview(admin);
      if (E.isLeft(overview)) throw new Error(overview.left.message);
      return overview.right.devices.map((d) => ({ deviceId: d.deviceId, behind: d.behind }));
    },
    openConflicts: async () => {
      let count = 0;
      let after: string | undefined;
      for (let page = 0; page < MAX_CONFLICT_PAGES; page++) {
        const result = await log.conflicts(admin, {
          status: 'open',
          ...(after === undefined ? {} : { after }),
        });
        if (E.isLeft(result)) throw new Error(result.left.message);
        count += result.right.conflicts.length;
        if (result.right.next === null) break;
        after = result.right.next;
      }
      return count;
    },
  };
};

const refusalError = (
  reason: HostRefusal,
  request: { method: string; path: string },
): SyncError => {
  switch (reason) {
    case 'no_route':
      return syncError('not_found', `no route ${request.method} ${request.path}`);
    case 'too_large':
      return syncError('too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    case 'headers_too_large':
      return syncError(
        'too_large',
        'the request line and headers are longer than the server reads (16 KiB)',
      );
    case 'malformed':
      return syncError('bad_request', 'not a well-formed HTTP/1.1 request');
    case 'draining':
      return syncError('unavailable', 'the server is shutting down: retry with backoff');
    case 'failed':
      return syncError('internal', 'an internal error; it has been logged');
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
};

/** Builds the service over a log and an authenticator. */
export const createSyncService = (options: SyncServiceOptions): SyncService => {
  const metrics = options.metrics ?? new SyncMetrics(logMetricsSource(options.log));
  const aheadLimits =
    options.snapshotPagesAhead === true ? DEFAULT_PAGES_AHEAD : options.snapshotPagesAhead;
  const deps: SyncDeps = {
    log: options.log,
    logger: options.logger,
    metrics,
    heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS,
    ...(aheadLimits === undefined || aheadLimits === false
      ? {}
      : {
          snapshotPagesAhead: new SnapshotPagesAhead(aheadLimits, (outcome) =>
            metrics.snapshotPagesAhead.inc({ outcome }),
          ),
        }),
  };

  const answerOf = async (
    route: SyncRoute,
    request: HttpRequest,
    params: Readonly<Record<string, string>>,
    seen: { userId?: string },
  ): Promise<Answer> => {
    if (route.access === 'public') return route.handle(request, deps);
    const principal = await options.authenticator.authenticate(request.headers);
    if (E.isLeft(principal)) return failure(principal.left);
    seen.userId = principal.right.userId;
    return route.handle({ request, params, principal: principal.right }, deps);
  };

  const serve =
    (route: SyncRoute) =>
    async (
      request: HttpRequest,
      params: Readonly<Record<string, string>>,
    ): Promise<HttpResponse> => {
      const started = performance.now();
      const seen: { userId?: string } = {};
      let answer: Answer;
      try {
        answer = await answerOf(route, request, params, seen);
      } catch (error) {
        answer = failure(refusalOfThrow(error));
        options.logger.error({ route: route.name, err: error }, 'request failed');
      }
      if (answer.kind === 'error') {
        metrics.refusals.inc({ route: route.name, code: answer.error.code });
      }
      const response = await renderAnswer(answer, request.headers);
      // After this answer is sent (the host writes it as soon as this returns).
      if (answer.kind === 'rendered' && answer.after !== undefined) setImmediate(answer.after);
      options.logger.info(
        {
          route: route.name,
          method: request.method,
          path: request.path,
          status: response.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          userId: seen.userId,
          ...(answer.kind === 'error'
            ? {
                code: answer.error.code,
                errorPath: answer.error.path,
                reason: answer.error.message,
              }
            : {}),
        },
        'request',
      );
      return response;
    };

  const routes: HttpRoute[] = SYNC_ROUTES.map((route) => ({
    method: route.method,
    pattern: route.pattern,
    handle: serve(route),
  }));

  const refuse = (reason: HostRefusal, request: { method: string; path: string }): HttpResponse => {
    const error = refusalError(reason, request);
    metrics.refusals.inc({ route: 'host', code: error.code });
    options.logger.info(
      { method: request.method, path: request.path, code: error.code },
      'refused',
    );
    return renderError(error);
  };

  return {
    routes,
    refuse,
    metrics,
    maxBodyBytes: MAX_BODY_BYTES,
    handle: async (request) => {
      const { match } = matchRoute(routes, request.method, request.path);
      if (match === undefined) return refuse('no_route', request);
      return match.route.handle(request, match.params);
    },
  };
};
