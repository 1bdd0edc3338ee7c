/**
 * An HTTP function entry (DESIGN.md section 1: a composition root): it routes the execution by
 * `req.path` and `req.method` to the same handlers as the standalone server, among the routes
 * of its function only (a request for `/` reaches the function's first route), and returns the
 * runtime's response object in every case.
 *
 * Invariants:
 * 1. The entry always returns a response (the runtime would answer a missing one with a bare
 *    500): a host that cannot be opened is `503 unavailable`, an unknown route `404 not_found`,
 *    a handler's throw the service's `unavailable` or `internal`.
 * 2. After a successful POST of an appending function on a host that fans out (a log kept
 *    outside Appwrite), the documents the new ops changed get their projected rows written and
 *    the facilities they touch their `sync_heads` row (`commit-fanout.ts`), before the entry
 *    returns (a frozen container runs nothing after its answer); a failure there is logged and
 *    the answer stands (a later commit repairs it). The TablesDB log wrote both in the commit.
 */
import type { HttpRequest } from '../../adapters/http/http-exchange.ts';
import { matchRoute } from '../../adapters/http/route-matching.ts';
import { syncError } from '../../domain/errors.ts';
import { renderError } from '../render-answer.ts';
import { SYNC_ROUTES } from '../sync-routes.ts';
import { refusalOfThrow } from '../unavailability.ts';
import type { HttpFunctionSpec } from './appwrite-functions.ts';
import { fanOutCommit } from './commit-fanout.ts';
import type { FunctionHost, HostOpener } from './function-host.ts';
import {
  type FunctionEntry,
  httpRequestOf,
  type RuntimeContext,
  runtimeResponseOf,
} from './open-runtimes-context.ts';

const routeOf = (name: string): { readonly method: string; readonly pattern: string } => {
  const route = SYNC_ROUTES.find((r) => r.name === name);
  if (route === undefined) throw new Error(`bug: no route named ${name}`);
  return route;
};

/** The request with `/` replaced by the path of the function's first route. */
const withDefaultPath = (spec: HttpFunctionSpec, request: HttpRequest): HttpRequest => {
  if (request.path !== '/') return request;
  return { ...request, path: routeOf(spec.routes[0]).pattern };
};

/**
 * The entry of an HTTP function over the host that `openHost` opens (once per container).
 *
 * @example
 * export default httpFunctionEntry(httpFunction('push'), openAppwriteHost);
 */
export const httpFunctionEntry = (spec: HttpFunctionSpec, openHost: HostOpener): FunctionEntry => {
  const served = spec.routes.map(routeOf);
  return async (context: RuntimeContext) => {
    let host: FunctionHost;
    try {
      host = await openHost(context.req.headers);
      host.admit(context.req.headers);
    } catch (error) {
      context.error(`immune-sync ${spec.name}: cannot start: ${String(error)}`);
      const refusal = renderError(
        syncError('unavailable', 'the sync service cannot start now: retry with backoff'),
      );
      return runtimeResponseOf(context.res, refusal);
    }
    const request = withDefaultPath(spec, httpRequestOf(context.req));
    const routes = host.service.routes.filter((r) =>
      served.some((s) => s.method === r.method && s.pattern === r.pattern),
    );
    const { match } = matchRoute(routes, request.method, request.path);
    if (match === undefined) {
      return runtimeResponseOf(context.res, host.service.refuse('no_route', request));
    }
    let before: string | undefined;
    try {
      before =
        host.fansOut && spec.appends && request.method === 'POST'
          ? await host.log.head()
          : undefined;
    } catch (error) {
      context.error(`immune-sync ${spec.name}: cannot read the head: ${String(error)}`);
      return runtimeResponseOf(context.res, renderError(refusalOfThrow(error)));
    }
    const response = await match.route.handle(request, match.params);
    if (before !== undefined && response.status === 200) {
      try {
        await fanOutCommit(host.log, host.targetsFor(request.headers), before);
      } catch (error) {
        context.error(
          `immune-sync ${spec.name}: Appwrite rows and sync heads not updated: ${String(error)}`,
        );
      }
    }
    return runtimeResponseOf(context.res, response);
  };
};
