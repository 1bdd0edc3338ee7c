/**
 * The context an Appwrite function receives from the open-runtimes Node runtime (APPWRITE.md
 * section 1), as far as immune-sync uses it, and its translation to and from the host-independent
 * `HttpRequest` and `HttpResponse` of the handlers.
 *
 * Invariants:
 * 1. The request the handlers see is the one the standalone server would build: upper-case
 *    method, lower-case headers, URL-decoded query (the runtime's `req.query` is not decoded,
 *    so the query is parsed again from `queryString`), and the body's raw bytes.
 * 2. Answers are never compressed by the function: `accept-encoding` is dropped before the
 *    handlers see the request, since the executor relays the body and owns transport coding.
 * 3. Every answer becomes `res.binary(bytes, status, headers)`, which the function returns.
 */
import type { HttpRequest, HttpResponse } from '../../adapters/http/http-exchange.ts';

/** What `res.*` builds; the function must return it (else the runtime answers 500). */
export interface RuntimeResponse {
  readonly body: unknown;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** `context.req` (the parts immune-sync reads). */
export interface RuntimeRequest {
  readonly bodyBinary: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly method: string;
  /** The path before `?`. */
  readonly path: string;
  /** The query string after `?`, not decoded. */
  readonly queryString: string;
}

/** `context.res`. */
export interface RuntimeResponder {
  binary(
    bytes: Uint8Array,
    statusCode?: number,
    headers?: Readonly<Record<string, string>>,
  ): RuntimeResponse;
  json(
    body: unknown,
    statusCode?: number,
    headers?: Readonly<Record<string, string>>,
  ): RuntimeResponse;
}

/** The context handed to a function's default export. */
export interface RuntimeContext {
  readonly req: RuntimeRequest;
  readonly res: RuntimeResponder;
  log(...messages: unknown[]): void;
  error(...messages: unknown[]): void;
}

/** An Appwrite function entry: the default export of its bundle. */
export type FunctionEntry = (context: RuntimeContext) => Promise<RuntimeResponse>;

/** Decoded query parameters; a repeated one keeps its first value. */
const queryOf = (queryString: string): Record<string, string> => {
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(queryString)) {
    if (!Object.hasOwn(query, key)) query[key] = value;
  }
  return query;
};

/** The handlers' request for a runtime request (see invariants 1 and 2). */
export const httpRequestOf = (req: RuntimeRequest): HttpRequest => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const key = name.toLowerCase();
    if (key !== 'accept-encoding') headers[key] = value;
  }
  const path = req.path === '' ? '/' : req.path;
  return {
    method: req.method.toUpperCase(),
    path: path.startsWith('/') ? path : `/${path}`,
    query: queryOf(req.queryString),
    headers,
    body: new Uint8Array(req.bodyBinary),
  };
};

/**
 * The runtime's answer for a handler's response. A stream (the event stream, which no function
 * mounts) cannot be relayed by a function: it is a bug, and throws.
 */
export const runtimeResponseOf = (
  res: RuntimeResponder,
  response: HttpResponse,
): RuntimeResponse => {
  if (!(response.body instanceof Uint8Array)) {
    throw new Error('bug: an Appwrite function cannot relay a streamed answer');
  }
  return res.binary(response.body, response.status, response.headers);
};
