/**
 * A fault-injecting HTTP proxy on 127.0.0.1, between replicas (the real `httpTransport`) and the
 * real server process. Each request gets a fault chosen by the test's policy:
 *
 * - `pass`: forwarded, the answer returned as it came;
 * - `drop_request`: never forwarded; the client's connection is cut;
 * - `drop_answer`: forwarded and answered (so a push is committed), then the client's
 *   connection is cut before the answer reaches it;
 * - `twice`: forwarded twice in a row; the client gets the second answer;
 * - `delay`: held `ms` milliseconds before being forwarded;
 * - `cut_request`: half the body is sent upstream and the upstream request aborted; the client's
 *   connection is cut;
 * - `cut_answer`: forwarded; the client gets the status, the headers and half the body, then
 *   the connection is cut;
 * - `unavailable`: answered `503 unavailable` without being forwarded (bursts come from the
 *   policy answering it several times in a row);
 * - `reorder`: held until `reorderWindowMs` passes, then forwarded with every other request held
 *   in the window, in the reverse order of their arrival.
 *
 * The proxy reads every push answer that the server sent (whether or not the client got it) and
 * records the dots the server `accepted`, so a test can check that each was accepted once and is
 * in the log exactly once.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decodeBody } from '../functions/decode-body.ts';

export type Fault =
  | { readonly kind: 'pass' }
  | { readonly kind: 'drop_request' }
  | { readonly kind: 'drop_answer' }
  | { readonly kind: 'twice' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'cut_request' }
  | { readonly kind: 'cut_answer' }
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'reorder' };

export type FaultKind = Fault['kind'];

/** What the policy sees of a request. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  /** 1, 2, 3... in arrival order. */
  readonly n: number;
}

/** The policy: which fault a request gets. */
export type FaultPolicy = (request: ProxiedRequest) => Fault;

interface UpstreamAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The policy for the requests from now on (default: every request passes). */
  policy: FaultPolicy;
  /** How long `reorder` holds requests, ms. */
  reorderWindowMs: number;
  /** Faults applied so far, by kind. */
  readonly applied: Readonly<Record<FaultKind, number>>;
  /** Every `deviceId:seq` the server answered `accepted`, once per answer (so repeats show). */
  readonly acceptedDots: readonly string[];
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

const readAll = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const prop = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;

/** The JSON of an answer's body (decompressed as it says), or undefined. */
const answerJson = (answer: UpstreamAnswer): unknown => {
  try {
    const coding = answer.headers['content-encoding'];
    const bytes = decodeBody(answer.body, typeof coding === 'string' ? coding : undefined);
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
};

const UNAVAILABLE = JSON.stringify({
  error: { code: 'unavailable', message: 'injected by the fault proxy' },
});

/** Starts a proxy to `upstream` (a `http://127.0.0.1:PORT` URL). */
export const startFaultProxy = async (upstream: string): Promise<FaultProxy> => {
  const target = new URL(upstream);
  let arrivals = 0;
  const applied: Record<FaultKind, number> = {
    pass: 0,
    drop_request: 0,
    drop_answer: 0,
    twice: 0,
    delay: 0,
    cut_request: 0,
    cut_answer: 0,
    unavailable: 0,
    reorder: 0,
  };
  const acceptedDots: string[] = [];
  let held: (() => void)[] = [];
  let releaseTimer: NodeJS.Timeout | undefined;

  /** Sends the request upstream; with `cutAt`, only that many body bytes, then aborts. */
  const forward = (
    incoming: IncomingMessage,
    body: Buffer,
    cutAt?: number,
  ): Promise<UpstreamAnswer | undefined> =>
    new Promise((resolve) => {
      const headers = { ...incoming.headers, host: target.host };
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers,
        },
        (response) => {
          readAll(response)
            .then((answerBody) => {
              const answer = {
                status: response.statusCode ?? 502,
                headers: response.headers,
                body: answerBody,
              };
              recordAccepted(incoming, answer);
              resolve(answer);
            })
            .catch(() => resolve(undefined));
        },
      );
      outgoing.on('error', () => resolve(undefined));
      if (cutAt === undefined) {
        outgoing.end(body);
      } else {
        outgoing.write(body.subarray(0, cutAt));
        setTimeout(() => {
          outgoing.destroy();
          resolve(undefined);
        }, 20);
      }
    });

  const recordAccepted = (incoming: IncomingMessage, answer: UpstreamAnswer): void => {
    if (incoming.method !== 'POST' || !(incoming.url ?? '').startsWith('/v1/push')) return;
    if (answer.status !== 200) return;
    const json = answerJson(answer);
    const results = prop(json, 'results');
    const deviceId = pushDevice.get(incoming);
    if (!Array.isArray(results) || deviceId === undefined) return;
    for (const result of results) {
      if (prop(result, 'status') === 'accepted') {
        acceptedDots.push(`${deviceId}:${String(prop(result, 'seq'))}`);
      }
    }
  };

  /** The device of each push in flight (read from its body). */
  const pushDevice = new WeakMap<IncomingMessage, string>();

  const rememberDevice = (incoming: IncomingMessage, body: Buffer): void => {
    if (incoming.method !== 'POST') return;
    try {
      const bytes = incoming.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      const deviceId = prop(JSON.parse(bytes.toString('utf8')), 'deviceId');
      if (typeof deviceId === 'string') pushDevice.set(incoming, deviceId);
    } catch {
      // Not a push body: nothing to remember.
    }
  };

  const releaseHeld = (): void => {
    releaseTimer = undefined;
    const batch = held.reverse();
    held = [];
    // In reverse arrival order, each waiting for the previous one to reach the server first.
    void batch.reduce(async (previous, release) => {
      await previous;
      release();
      await delay(5);
    }, Promise.resolve());
  };

  const proxy: FaultProxy = {
    url: '',
    policy: () => ({ kind: 'pass' }),
    reorderWindowMs: 40,
    applied,
    acceptedDots,
    close: async () => {},
  };

  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const body = await readAll(incoming);
      rememberDevice(incoming, body);
      arrivals += 1;
      const fault = proxy.policy({
        method: incoming.method ?? 'GET',
        path: (incoming.url ?? '/').split('?')[0] ?? '/',
        n: arrivals,
      });
      applied[fault.kind] += 1;
      const answerWith = (answer: UpstreamAnswer | undefined): void => {
        if (answer === undefined) {
          outgoing.destroy();
          return;
        }
        outgoing.writeHead(answer.status, answer.headers);
        outgoing.end(answer.body);
      };
      switch (fault.kind) {
        case 'pass':
          answerWith(await forward(incoming, body));
          return;
        case 'drop_request':
          outgoing.destroy();
          return;
        case 'drop_answer':
          await forward(incoming, body);
          outgoing.destroy();
          return;
        case 'twice':
          await forward(incoming, body);
          answerWith(await forward(incoming, body));
          return;
        case 'delay':
          await delay(fault.ms);
          answerWith(await forward(incoming, body));
          return;
        case 'cut_request':
          await forward(incoming, body, Math.floor(body.byteLength / 2));
          outgoing.destroy();
          return;
        case 'cut_answer': {
          const answer = await forward(incoming, body);
          if (answer === undefined) {
            outgoing.destroy();
            return;
          }
          outgoing.writeHead(answer.status, answer.headers);
          outgoing.write(answer.body.subarray(0, Math.floor(answer.body.byteLength / 2)));
          setTimeout(() => outgoing.destroy(), 10);
          return;
        }
        case 'unavailable':
          outgoing.writeHead(503, { 'content-type': 'application/json' });
          outgoing.end(UNAVAILABLE);
          return;
        case 'reorder': {
          await new Promise<void>((resolve) => {
            held.push(resolve);
            releaseTimer ??= setTimeout(releaseHeld, proxy.reorderWindowMs);
          });
          answerWith(await forward(incoming, body));
          return;
        }
        default: {
          const unreachable: never = fault;
          throw new Error(`unknown fault ${JSON.stringify(unreachable)}`);
        }
      }
    })().catch(() => outgoing.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      if (releaseTimer !== undefined) clearTimeout(releaseTimer);
      releaseHeld();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
};

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
