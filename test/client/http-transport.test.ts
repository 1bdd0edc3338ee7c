import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gunzipSync, gzipSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { Departures, httpTransport } from '../../src/client/transports/http-transport.ts';
import type { Operation } from '../../src/domain/operation.ts';
import { anOp } from '../domain/fixtures.ts';

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | null;
}

/** A `fetch` that records what it was asked and answers `respond()`. */
const recordingFetch =
  (sent: Sent[], respond: () => Response): typeof fetch =>
  async (input, init) => {
    const headers = new Headers(init?.headers);
    const record: Record<string, string> = {};
    headers.forEach((value, name) => {
      record[name] = value;
    });
    const body = init?.body instanceof Uint8Array ? init.body : null;
    sent.push({ url: String(input), headers: record, body });
    return respond();
  };

const ops = (count: number): Operation[] =>
  Array.from({ length: count }, (_, i) =>
    anOp({ seq: i + 1, collection: 'patients', docId: `p-${i}`, kind: 'delete' }),
  );

const ANSWER = { results: [], ackedSeq: 0, head: 'h' };

describe('the HTTP transport', () => {
  it('gzips a push body above 1 KiB, asks for brotli or gzip answers and sends the bearer token', async () => {
    const sent: Sent[] = [];
    const transport = httpTransport({
      baseUrl: 'http://sync.test/',
      token: 'tok-1',
      fetch: recordingFetch(sent, () => Response.json({ ...ANSWER, results: [] })),
    });
    await transport.push('tablet-07', ops(20));
    const [request] = sent;
    expect(request?.url).toBe('http://sync.test/v1/push');
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer tok-1',
      'accept-encoding': 'br, gzip',
      'content-encoding': 'gzip',
      'content-type': 'application/json',
    });
    const body: unknown = JSON.parse(
      gunzipSync(request?.body ?? new Uint8Array()).toString('utf8'),
    );
    expect(body).toMatchObject({ deviceId: 'tablet-07' });
  });

  it('asks only for the codings it is given', async () => {
    const sent: Sent[] = [];
    const transport = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      acceptEncoding: 'gzip',
      fetch: recordingFetch(sent, () => Response.json(ANSWER)),
    });
    await transport.push('tablet-07', ops(1));
    expect(sent[0]?.headers['accept-encoding']).toBe('gzip');
  });

  it.each([
    ['br', brotliCompressSync],
    ['gzip', gzipSync],
  ] as const)('reads a snapshot page a server sends as %s', async (coding, compress) => {
    const page = {
      docs: [
        {
          collection: 'patients',
          docId: 'p1',
          data: { fullName: 'Ngozi Obi' },
          deleted: false,
          meta: { state: {} },
        },
      ],
      cursor: 'c1.x.y',
      nextPage: null,
    };
    const asked: string[] = [];
    const server = createServer((request, response) => {
      asked.push(String(request.headers['accept-encoding']));
      response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
      response.end(compress(Buffer.from(JSON.stringify(page))));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const transport = httpTransport({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
      expect(await transport.snapshot(null)).toEqual(E.right(page));
      expect(asked).toEqual(['br, gzip']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends a small body as it is', async () => {
    const sent: Sent[] = [];
    const transport = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: recordingFetch(sent, () => Response.json(ANSWER)),
    });
    await transport.push('tablet-07', ops(1));
    expect(sent[0]?.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(sent[0]?.body ?? new Uint8Array()))).toMatchObject({
      ops: [{ seq: 1 }],
    });
  });

  it('requests leave in the order they are made, however long their bodies take to compress', async () => {
    const sent: Sent[] = [];
    const transport = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: recordingFetch(sent, () => Response.json(ANSWER)),
    });
    // A large push (gzipped, which takes a while), then one op (sent as it is, ready at once),
    // then a pull: without an order, the small ones would leave first.
    const answers = [
      transport.push('tablet-07', ops(4000)),
      transport.push('tablet-07', ops(1)),
      transport.pull({ deviceId: 'tablet-07', after: 'c1.x.y', limit: 10 }),
    ];
    await Promise.all(answers);
    expect(
      sent.map((r) => `${r.url.split('?')[0]} ${r.headers['content-encoding'] ?? 'plain'}`),
    ).toEqual([
      'http://sync.test/v1/push gzip',
      'http://sync.test/v1/push plain',
      'http://sync.test/v1/pull plain',
    ]);
  });

  it('a request whose body cannot be made does not hold back the ones after it', async () => {
    const departures = new Departures();
    const left: string[] = [];
    const go = (name: string) => async () => {
      left.push(name);
      return new Response('{}');
    };
    const failed = departures.leave(Promise.reject(new Error('no body')), go('failed'));
    const next = departures.leave(Promise.resolve(), go('next'));
    await expect(failed).rejects.toThrow('no body');
    await next;
    expect(left).toEqual(['next']);
  });

  it('puts the pull’s cursor, limit and device in the query', async () => {
    const sent: Sent[] = [];
    const transport = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: recordingFetch(sent, () =>
        Response.json({ ops: [], next: 'c2', hasMore: false, head: 'c2' }),
      ),
    });
    const page = await transport.pull({ after: 'c1/+=', limit: 1000, deviceId: 'tablet-07' });
    expect(page).toEqual(E.right({ ops: [], next: 'c2', hasMore: false, head: 'c2' }));
    expect(new URL(sent[0]?.url ?? '').searchParams.get('after')).toBe('c1/+=');
  });

  it('turns a refused connection into a network error instead of a throw', async () => {
    const transport = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const result = await transport.snapshot(null);
    expect(E.isLeft(result) ? result.left.kind : null).toBe('network');
  });

  it('reads the protocol’s error body, and names a status without one', async () => {
    const withBody = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: async () =>
        Response.json({ error: { code: 'reset_required', message: 'again' } }, { status: 409 }),
    });
    expect(await withBody.snapshot(null)).toEqual(
      E.left({ kind: 'http', status: 409, code: 'reset_required', message: 'again' }),
    );
    const bare = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502 }),
    });
    const result = await bare.snapshot(null);
    expect(
      E.isLeft(result)
        ? [result.left.kind, 'status' in result.left ? result.left.status : 0]
        : null,
    ).toEqual(['http', 502]);
  });

  it('calls an answer it cannot decode a protocol error', async () => {
    const transport = httpTransport({
      baseUrl: 'http://sync.test',
      token: 't',
      fetch: async () => Response.json({ docs: 'not a list' }),
    });
    const result = await transport.snapshot(null);
    expect(E.isLeft(result) ? result.left.kind : null).toBe('protocol');
  });
});
