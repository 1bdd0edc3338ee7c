/**
 * The standalone HTTP host: Hono's router on Node's HTTP server (`@hono/node-server`), serving a
 * table of host-independent routes.
 *
 * Invariants:
 * 1. Every route of the table is mounted at its pattern; anything else gets `refuse('no_route')`.
 * 2. A body longer than `maxBodyBytes` is refused (`refuse('too_large')`) without being buffered.
 * 3. `close` stops accepting connections, ends every open event stream, lets the requests in
 *    flight finish and answer, and resolves once every connection is closed. A request that
 *    arrives on an open connection meanwhile gets `refuse('draining')`.
 * 4. A handler that throws (a bug: handlers answer errors as values) gets `refuse('failed')`.
 * 5. A request Node's parser refuses gets an error body too, and its connection is closed:
 *    `refuse('headers_too_large')` with status 431 for a request line and headers past Node's
 *    limit (16 KiB), `refuse('malformed')` for anything else.
 */
import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { HostRefusal, HttpRequest, HttpResponse, HttpRoute } from './http-exchange.ts';
import { readBodyWithin } from './request-body.ts';

/** What the host serves, where, and how it answers its own refusals. */
export interface HttpServerOptions {
  readonly routes: readonly HttpRoute[];
  readonly port: number;
  readonly host: string;
  /** The longest request body read, in bytes. */
  readonly maxBodyBytes: number;
  /** The answer for each refusal of the host itself. */
  readonly refuse: (reason: HostRefusal, request: { method: string; path: string }) => HttpResponse;
  /** Told about a handler's throw before `refuse('failed')` answers it. */
  readonly onHandlerError?: (error: unknown) => void;
}

/** A listening server. */
export interface RunningHttpServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  readonly url: string;
  readonly port: number;
  /** Requests whose handler has not answered yet (event streams count until they answered). */
  inFlight(): number;
  /** See the module's invariant 3; after `graceMs`, remaining connections are cut. */
  close(graceMs?: number): Promise<void>;
}

const toWebResponse = (response: HttpResponse, extraHeaders?: Record<string, string>): Response =>
  new Response(response.body, {
    status: response.status,
    headers: { ...response.headers, ...extraHeaders },
  });

const headersOf = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
};

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answers a request Node's HTTP parser refused (invariant 5) on its socket, then closes it.
 * Node's own answer has no body at all.
 */
const answerClientError = (
  options: HttpServerOptions,
  error: NodeJS.ErrnoException,
  socket: Duplex,
): void => {
  // A connection reset or one already answered has nobody left to read an answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const headersTooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const answer = options.refuse(headersTooLarge ? 'headers_too_large' : 'malformed', {
    method: '?',
    path: '?',
  });
  const status = headersTooLarge ? 431 : answer.status;
  const body = answer.body instanceof Uint8Array ? answer.body : new Uint8Array();
  const headers = Object.entries({
    ...answer.headers,
    'content-length': String(body.byteLength),
    connection: 'close',
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    Buffer.concat([
      Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${headers.join('')}\r\n`),
      body,
    ]),
  );
};

/** Starts listening; resolves once the port is bound. */
export const startHttpServer = async (options: HttpServerOptions): Promise<RunningHttpServer> => {
  const shutdown = new AbortController();
  const pending = new Set<Promise<unknown>>();
  const app = new Hono();

  for (const route of options.routes) {
    app.on(route.method, route.pattern, async (c) => {
      const path = new URL(c.req.url).pathname;
      if (shutdown.signal.aborted) {
        return toWebResponse(options.refuse('draining', { method: route.method, path }), {
          connection: 'close',
        });
      }
      const answer = (async (): Promise<Response> => {
        const body = await readBodyWithin(c.req.raw, options.maxBodyBytes);
        if (body === undefined) {
          return toWebResponse(options.refuse('too_large', { method: route.method, path }));
        }
        const request: HttpRequest = {
          method: route.method,
          path,
          query: c.req.query(),
          headers: headersOf(c.req.raw.headers),
          body,
          signal: AbortSignal.any([c.req.raw.signal, shutdown.signal]),
        };
        return toWebResponse(await route.handle(request, c.req.param()));
      })();
      pending.add(answer);
      try {
        return await answer;
      } catch (error) {
        options.onHandlerError?.(error);
        return toWebResponse(options.refuse('failed', { method: route.method, path }));
      } finally {
        pending.delete(answer);
      }
    });
  }
  app.notFound((c) =>
    toWebResponse(options.refuse('no_route', { method: c.req.method, path: c.req.path })),
  );

  const server: Server = createServer(
    // Idle kept-alive connections stay open 65 s (Node's default is 5 s), longer than common load
    // balancers' idle timeout (60 s) and than a client's pause between requests while it writes a
    // large page; the headers timeout must stay above it.
    { keepAliveTimeout: 65_000, headersTimeout: 66_000 },
    getRequestListener(app.fetch),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(options, error, socket),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    inFlight: () => pending.size,
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown.abort();
      await Promise.allSettled([...pending]);
      const deadline = Date.now() + graceMs;
      let done = false;
      void closed.then(() => {
        done = true;
      });
      while (!done && Date.now() < deadline) {
        server.closeIdleConnections();
        await delay(20);
      }
      if (!done) server.closeAllConnections();
      await closed;
    },
  };
};
