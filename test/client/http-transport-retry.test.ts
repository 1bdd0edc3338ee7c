/**
 * The HTTP transport sends a GET once more when the server closed the connection under it (a
 * kept-alive connection closed while the client was busy), and never a push.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, describe, expect, it } from 'vitest';
import { httpTransport, isClosedConnection } from '../../src/client/transports/http-transport.ts';
import { anOp } from '../domain/fixtures.ts';

const SNAPSHOT = { docs: [], cursor: 'c1', nextPage: null };
const PULL = { ops: [], next: 'c1', hasMore: false, head: 'c1' };

/** What the server does with a request, by its number (1-based); `answered`: done already. */
type Behaviour = (
  n: number,
  request: IncomingMessage,
  response: ServerResponse,
) => 'close' | 'cut' | 'answer' | 'answered';

describe('the HTTP transport on a connection the server closes', () => {
  let server: Server | undefined;
  let seen: string[] = [];

  /** A server that closes or answers each request as `behaviour` says. */
  const serve = async (body: unknown, behaviour: Behaviour): Promise<string> => {
    seen = [];
    server = createServer((request, response) => {
      seen.push(`${request.method} ${request.url?.split('?')[0]}`);
      request.resume();
      switch (behaviour(seen.length, request, response)) {
        case 'close':
          // Before any answer: undici's "other side closed".
          request.socket.destroy();
          return;
        case 'cut': {
          // Halfway through the body.
          const text = JSON.stringify(body);
          response.writeHead(200, {
            'content-type': 'application/json',
            'content-length': String(text.length),
          });
          response.write(text.slice(0, 5));
          setTimeout(() => request.socket.destroy(), 10);
          return;
        }
        case 'answer':
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
          return;
        case 'answered':
          return;
      }
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    const address = listening.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return `http://127.0.0.1:${port}`;
  };

  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running !== undefined) {
      running.closeAllConnections();
      await new Promise((resolve) => running.close(resolve));
    }
  });

  it('a snapshot GET whose connection is closed before the answer is sent again once', async () => {
    const url = await serve(SNAPSHOT, (n) => (n === 1 ? 'close' : 'answer'));
    const transport = httpTransport({ baseUrl: url, token: 't' });
    expect(await transport.snapshot(null)).toEqual(E.right(SNAPSHOT));
    expect(seen).toEqual(['GET /v1/snapshot', 'GET /v1/snapshot']);
  });

  it('a pull GET whose answer is cut halfway is sent again once', async () => {
    const url = await serve(PULL, (n) => (n === 1 ? 'cut' : 'answer'));
    const transport = httpTransport({ baseUrl: url, token: 't' });
    const answer = await transport.pull({ after: 'c0', limit: 10, deviceId: 'tab-1' });
    expect(E.isRight(answer)).toBe(true);
    expect(seen).toEqual(['GET /v1/pull', 'GET /v1/pull']);
  });

  it('a GET is sent again only once: a second close is a network error', async () => {
    const url = await serve(SNAPSHOT, () => 'close');
    const transport = httpTransport({ baseUrl: url, token: 't' });
    const answer = await transport.snapshot('p2');
    expect(answer).toMatchObject({ _tag: 'Left', left: { kind: 'network' } });
    expect(seen).toHaveLength(2);
  });

  it('a push whose connection is closed is not sent again', async () => {
    const url = await serve({ results: [], ackedSeq: 0, head: 'h' }, () => 'close');
    const transport = httpTransport({ baseUrl: url, token: 't' });
    const answer = await transport.push('tab-1', [
      anOp({ seq: 1, collection: 'patients', docId: 'p-1', kind: 'delete' }),
    ]);
    expect(answer).toMatchObject({ _tag: 'Left', left: { kind: 'network' } });
    expect(seen).toEqual(['POST /v1/push']);
  });

  it('an error answer is not sent again', async () => {
    const url = await serve(SNAPSHOT, (_n, _request, response) => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'unavailable', message: 'busy' } }));
      return 'answered';
    });
    const transport = httpTransport({ baseUrl: url, token: 't' });
    expect(await transport.snapshot(null)).toMatchObject({
      _tag: 'Left',
      left: { kind: 'http', status: 503 },
    });
    expect(seen).toHaveLength(1);
  });

  it('a snapshot page asked ahead leaves at once, is read later, and is sent again if its connection closed', async () => {
    const url = await serve(SNAPSHOT, (n) => (n === 1 ? 'close' : 'answer'));
    const transport = httpTransport({ baseUrl: url, token: 't' });
    const unread = transport.snapshotAhead?.('p2');
    if (unread === undefined) throw new Error('the HTTP transport asks ahead');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(['GET /v1/snapshot']);
    expect(await unread.read()).toEqual(E.right(SNAPSHOT));
    expect(seen).toEqual(['GET /v1/snapshot', 'GET /v1/snapshot']);
  });

  it('a snapshot page asked ahead and dropped is not read nor sent again', async () => {
    const url = await serve(SNAPSHOT, () => 'answer');
    const transport = httpTransport({ baseUrl: url, token: 't' });
    const unread = transport.snapshotAhead?.('p2');
    if (unread === undefined) throw new Error('the HTTP transport asks ahead');
    unread.cancel();
    expect(await unread.read()).toMatchObject({ _tag: 'Left', left: { kind: 'network' } });
    expect(seen.length).toBeLessThanOrEqual(1);
  });

  it('tells a closed or reset connection from a refused one and a timeout', () => {
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isClosedConnection(new TypeError('fetch failed', { cause: socket }))).toBe(true);
    expect(isClosedConnection(new TypeError('fetch failed', { cause: reset }))).toBe(true);
    expect(isClosedConnection(new TypeError('fetch failed', { cause: refused }))).toBe(false);
    expect(isClosedConnection(new DOMException('timed out', 'TimeoutError'))).toBe(false);
  });
});
