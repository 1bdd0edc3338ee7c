/**
 * The standalone HTTP host in process (no child process): routes mounted at their patterns, its
 * own refusals, and a graceful close that lets requests in flight answer while it refuses new
 * ones and ends event streams.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpResponse, HttpRoute } from '../../src/adapters/http/http-exchange.ts';
import {
  type RunningHttpServer,
  startHttpServer,
} from '../../src/adapters/http/node-http-server.ts';

const text = (status: number, body: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'text/plain' },
  body: new TextEncoder().encode(body),
});

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close(1000);
  server = undefined;
});

const start = async (routes: HttpRoute[]) => {
  server = await startHttpServer({
    routes,
    port: 0,
    host: '127.0.0.1',
    maxBodyBytes: 1024,
    refuse: (reason) =>
      text(
        reason === 'draining'
          ? 503
          : reason === 'too_large'
            ? 413
            : reason === 'no_route'
              ? 404
              : reason === 'malformed'
                ? 400
                : 500,
        reason,
      ),
  });
  return server;
};

describe('startHttpServer', () => {
  it('serves routes with their parameters, query and body', async () => {
    const running = await start([
      {
        method: 'POST',
        pattern: '/v1/items/:id',
        handle: async (request, params) =>
          text(
            200,
            `${params.id} ${request.query.q} ${new TextDecoder().decode(request.body)} ${request.headers['x-test']}`,
          ),
      },
    ]);
    const response = await fetch(`${running.url}/v1/items/a.b?q=1`, {
      method: 'POST',
      body: 'hello',
      headers: { 'x-test': 'yes' },
    });
    expect(await response.text()).toBe('a.b 1 hello yes');
  });

  it('answers an unknown route and a wrong method with its no_route refusal', async () => {
    const running = await start([
      { method: 'GET', pattern: '/a', handle: async () => text(200, 'a') },
    ]);
    expect((await fetch(`${running.url}/b`)).status).toBe(404);
    expect((await fetch(`${running.url}/a`, { method: 'POST' })).status).toBe(404);
  });

  it('refuses a body over the limit with its too_large refusal', async () => {
    const running = await start([
      { method: 'POST', pattern: '/a', handle: async () => text(200, 'read') },
    ]);
    const response = await fetch(`${running.url}/a`, { method: 'POST', body: 'x'.repeat(2000) });
    expect(response.status).toBe(413);
  });

  it('answers a handler that throws with its failed refusal', async () => {
    const running = await start([
      {
        method: 'GET',
        pattern: '/a',
        handle: async () => {
          throw new Error('bug');
        },
      },
    ]);
    expect((await fetch(`${running.url}/a`)).status).toBe(500);
  });

  it('close lets a request in flight answer, answers 503 to a new one on its connection, and ends streams', async () => {
    let release = (): void => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let streamAborted = false;
    const running = await start([
      {
        method: 'GET',
        pattern: '/slow',
        handle: async () => {
          await released;
          return text(200, 'finished');
        },
      },
      { method: 'GET', pattern: '/fast', handle: async () => text(200, 'fast') },
      {
        method: 'GET',
        pattern: '/stream',
        handle: async (request) => ({
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
          body: new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(': open\n\n'));
              request.signal?.addEventListener('abort', () => {
                streamAborted = true;
                controller.close();
              });
            },
          }),
        }),
      },
    ]);
    const streaming = fetch(`${running.url}/stream`).then((r) => r.text());
    // A raw connection, so that a second request can follow the first one on it while it is busy.
    const socket = connect(running.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => running.inFlight() === 1);

    const closing = running.close(5000);
    await expect(fetch(`${running.url}/fast`)).rejects.toThrow();
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await ended;
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    expect(statuses).toEqual(['200', '503']);
    expect(received).toContain('finished');
    expect(received).toContain('draining');
    expect(await streaming).toBe(': open\n\n');
    expect(streamAborted).toBe(true);
    await closing;
    server = undefined;
  });

  it.each([
    [
      'a request line past 16 KiB',
      `GET /v1/x?after=${'A'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['a request that is not HTTP', 'NOT HTTP AT ALL\r\n\r\n', 400, 'malformed'],
  ])(
    'answers %s with an error body, and closes the connection',
    async (_what, raw, status, body) => {
      const running = await start([]);
      const socket = connect(running.port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString();
      });
      const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write(raw);
      await ended;
      expect(received.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      expect(received).toContain('connection: close');
      expect(received.endsWith(`\r\n\r\n${body}`)).toBe(true);
    },
  );
});

const until = async (ready: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
