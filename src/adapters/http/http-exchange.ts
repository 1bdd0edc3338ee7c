/**
 * One HTTP exchange as the handlers see it, whatever hosts them: the standalone server (Hono on
 * Node) and Appwrite functions both turn their requests into an `HttpRequest` and send back the
 * `HttpResponse` a handler returns.
 *
 * Invariants:
 * 1. Header names are lower case; a repeated header keeps its values joined by `, `.
 * 2. `query` values are URL-decoded; a repeated parameter keeps its first value.
 * 3. `body` holds the raw bytes as they arrived (still compressed if the client compressed them).
 */

/** A request, independent of the host that received it. */
export interface HttpRequest {
  /** Upper case: `GET`, `POST`. */
  readonly method: string;
  /** The path before `?`, starting with `/`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /**
   * Aborted when the client goes away or the host shuts down: a long-lived answer (an event
   * stream) ends then. Hosts without long-lived answers may leave it out.
   */
  readonly signal?: AbortSignal;
}

/** A response: bytes, or a stream of bytes (server-sent events) that the host relays as they come. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | ReadableStream<Uint8Array>;
}

/** A route's handler: the request and the parameters its pattern captured (`:docId`). */
export type RouteHandler = (
  request: HttpRequest,
  params: Readonly<Record<string, string>>,
) => Promise<HttpResponse>;

/** One route: a method, a pattern with `:name` segments, and its handler. */
export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** `/v1/ops/:collection/:docId`: literal segments and `:name` captures of one segment each. */
  readonly pattern: string;
  readonly handle: RouteHandler;
}

/**
 * Why a host answers by itself instead of a route: no route matches, the body is too large to
 * read, the request line and headers are (`headers_too_large`), the request is not well-formed
 * HTTP (`malformed`), the host is shutting down, or a handler threw.
 */
export type HostRefusal =
  | 'no_route'
  | 'too_large'
  | 'headers_too_large'
  | 'malformed'
  | 'draining'
  | 'failed';
