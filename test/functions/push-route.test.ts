/**
 * POST /v1/push through the host-independent interface: request-level validation (paths, limits,
 * encodings), device binding, and per-op results from the real log.
 */
import { gzipSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EARLY_BATCH_TRIES } from '../../src/functions/handlers/push-handler.ts';
import type { AppendRequest, OperationLog } from '../../src/log/operation-log.ts';
import { field, type Harness, jsonOf, request, startHarness } from './service-harness.ts';
import { patientBatch, patientCreate, pushBody } from './sync-fixtures.ts';

let harness: Harness;
beforeEach(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await harness.close();
});

const push = (
  body: unknown,
  options: { as?: 'hwNorth' | 'hwSouth' | 'auditor'; headers?: Record<string, string> } = {},
) =>
  harness.service.handle(
    request('POST', '/v1/push', {
      as: options.as ?? 'hwNorth',
      body,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    }),
  );

const errorOf = (json: unknown) => field(json, 'error');

describe('POST /v1/push', () => {
  it('accepts ops, answers one result per op, and counts them in ackedSeq', async () => {
    const response = await push(pushBody('tab-1', patientBatch('tab-1', 1, 3, 'fac-north')));
    expect(response.status).toBe(200);
    const json = jsonOf(response);
    expect(field(json, 'ackedSeq')).toBe(3);
    const results = field(json, 'results');
    expect(Array.isArray(results) && results.map((r) => field(r, 'status'))).toEqual([
      'accepted',
      'accepted',
      'accepted',
    ]);
  });

  it('a retried push gets duplicates with the first cursors', async () => {
    const body = pushBody('tab-1', patientBatch('tab-1', 1, 2, 'fac-north'));
    const first = jsonOf(await push(body));
    const second = jsonOf(await push(body));
    const cursors = (json: unknown) => {
      const results = field(json, 'results');
      return Array.isArray(results) ? results.map((r) => field(r, 'cursor')) : [];
    };
    expect(cursors(second)).toEqual(cursors(first));
    const results = field(second, 'results');
    expect(Array.isArray(results) && results.map((r) => field(r, 'status'))).toEqual([
      'duplicate',
      'duplicate',
    ]);
  });

  it('a rejected op carries its code and path, relative to the op', async () => {
    const json = jsonOf(
      await push(pushBody('tab-1', [patientCreate('tab-1', 1, 'p-1', 'fac-south')])),
    );
    const results = field(json, 'results');
    expect(Array.isArray(results) && results[0]).toEqual({
      seq: 1,
      status: 'rejected',
      error: { code: 'forbidden', message: expect.any(String), path: 'data.facilityId' },
    });
  });

  it('accepts a gzip body', async () => {
    const body = gzipSync(
      Buffer.from(JSON.stringify(pushBody('tab-1', patientBatch('tab-1', 1, 2, 'fac-north')))),
    );
    const response = await push(new Uint8Array(body), { headers: { 'content-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(field(jsonOf(response), 'ackedSeq')).toBe(2);
  });

  it.each([
    ['not JSON', new TextEncoder().encode('{"deviceId":'), ''],
    ['not an object', [1, 2], ''],
    ['a bad device id', { deviceId: '-bad', ops: [] }, 'deviceId'],
    ['ops that are not an array', { deviceId: 'tab-1', ops: {} }, 'ops'],
    ['no ops', { deviceId: 'tab-1', ops: [] }, 'ops'],
    [
      'an op without a seq',
      {
        deviceId: 'tab-1',
        ops: [patientCreate('tab-1', 1, 'a', 'fac-north'), { deviceId: 'tab-1' }],
      },
      'ops.1.seq',
    ],
    [
      'an op whose seq is not positive',
      { deviceId: 'tab-1', ops: [{ ...patientCreate('tab-1', 1, 'a', 'fac-north'), seq: 0 }] },
      'ops.0.seq',
    ],
    [
      'an op of another device',
      {
        deviceId: 'tab-1',
        ops: [
          patientCreate('tab-1', 1, 'a', 'fac-north'),
          patientCreate('tab-2', 2, 'b', 'fac-north'),
        ],
      },
      'ops.1.deviceId',
    ],
    [
      'seqs that do not increase',
      {
        deviceId: 'tab-1',
        ops: [
          patientCreate('tab-1', 2, 'a', 'fac-north'),
          patientCreate('tab-1', 2, 'b', 'fac-north'),
        ],
      },
      'ops.1.seq',
    ],
  ])('refuses %s with 400 bad_request at its path', async (_what, body, path) => {
    const response = await push(body);
    expect(response.status).toBe(400);
    const error = errorOf(jsonOf(response));
    expect(field(error, 'code')).toBe('bad_request');
    expect(field(error, 'path') ?? '').toBe(path);
  });

  it('a refused push appends nothing', async () => {
    const before = await harness.log.head();
    await push({
      deviceId: 'tab-1',
      ops: [
        patientCreate('tab-1', 1, 'a', 'fac-north'),
        patientCreate('tab-1', 1, 'b', 'fac-north'),
      ],
    });
    expect(await harness.log.head()).toBe(before);
  });

  it('refuses more than 1000 ops with 413 too_large', async () => {
    const response = await push(pushBody('tab-1', patientBatch('tab-1', 1, 1001, 'fac-north')));
    expect(response.status).toBe(413);
    expect(field(errorOf(jsonOf(response)), 'code')).toBe('too_large');
  });

  it('refuses a body over 4 MiB after decompression with 413 too_large', async () => {
    const padded = `{"deviceId":"tab-1","ops":[]${' '.repeat(4 * 1024 * 1024)}}`;
    const response = await push(new Uint8Array(gzipSync(padded)), {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(413);
    expect(field(errorOf(jsonOf(response)), 'code')).toBe('too_large');
  });

  it('refuses a brotli body with 415 unsupported_encoding', async () => {
    const response = await push(new TextEncoder().encode('{}'), {
      headers: { 'content-encoding': 'br' },
    });
    expect(response.status).toBe(415);
    expect(field(errorOf(jsonOf(response)), 'code')).toBe('unsupported_encoding');
  });

  it('refuses a corrupt gzip body with 400 bad_request', async () => {
    const response = await push(new TextEncoder().encode('not gzip'), {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(400);
  });

  it("refuses another user's device with 403 forbidden", async () => {
    await push(pushBody('tab-1', patientBatch('tab-1', 1, 1, 'fac-north')));
    const response = await push(pushBody('tab-1', [patientCreate('tab-1', 2, 'x', 'fac-south')]), {
      as: 'hwSouth',
    });
    expect(response.status).toBe(403);
    expect(field(errorOf(jsonOf(response)), 'code')).toBe('forbidden');
  });

  it('refuses a reserved server device with 403 forbidden', async () => {
    const response = await push(
      pushBody('server.seed', [patientCreate('server.seed', 99, 'x', 'fac-north')]),
    );
    expect(response.status).toBe(403);
    expect(field(errorOf(jsonOf(response)), 'path')).toBe('deviceId');
  });

  it('ignores an author in the body: the author comes from the token', async () => {
    const op = {
      ...patientCreate('tab-1', 1, 'p-1', 'fac-north'),
      author: { userId: 'admin', role: 'admin' },
    };
    await push(pushBody('tab-1', [op]));
    const pulled = jsonOf(
      await harness.service.handle(
        request('GET', '/v1/pull', { as: 'hwNorth', query: { limit: '5000' } }),
      ),
    );
    const ops = field(pulled, 'ops');
    const mine = Array.isArray(ops) ? ops.find((o) => field(o, 'docId') === 'p-1') : undefined;
    expect(field(mine, 'author')).toEqual({ userId: 'hw-north', role: 'health_worker' });
  });
});

/** One append the service asked of the log: the first seq of its batch and its first answer. */
interface SeenAppend {
  readonly firstSeq: number | undefined;
  readonly firstStatus: string | undefined;
}

/** The log, noting every append and its answer (`onAnswer` hears each as it comes). */
const noteAppends =
  (seen: SeenAppend[], onAnswer: (append: SeenAppend) => void = () => undefined) =>
  (log: OperationLog): OperationLog =>
    new Proxy(log, {
      get(target, property, receiver) {
        if (property === 'append') {
          return async (request: AppendRequest) => {
            const result = await target.append(request);
            const append = {
              firstSeq: request.ops[0]?.seq,
              firstStatus: E.isRight(result) ? result.right.results[0]?.status : 'error',
            };
            seen.push(append);
            onAnswer(append);
            return result;
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

const statusesOf = (json: unknown): unknown =>
  (field(json, 'results') as unknown[]).map((r) => field(r, 'status'));

describe('POST /v1/push of a batch that arrives before the one it follows', () => {
  it('waits for that batch and is answered as if it had arrived in order', async () => {
    const seen: SeenAppend[] = [];
    let firstAnswered: () => void = () => undefined;
    const laterTriedOnce = new Promise<void>((resolve) => {
      firstAnswered = resolve;
    });
    const ordered = await startHarness({ wrapLog: noteAppends(seen, () => firstAnswered()) });
    try {
      const send = (firstSeq: number) =>
        ordered.service.handle(
          request('POST', '/v1/push', {
            as: 'hwNorth',
            body: pushBody('tab-1', patientBatch('tab-1', firstSeq, 2, 'fac-north')),
          }),
        );
      const later = send(3);
      await laterTriedOnce;
      const earlier = await send(1);
      const laterJson = jsonOf(await later);
      expect(statusesOf(jsonOf(earlier))).toEqual(['accepted', 'accepted']);
      expect(statusesOf(laterJson)).toEqual(['accepted', 'accepted']);
      expect(field(laterJson, 'ackedSeq')).toBe(4);
      // The later batch met a gap once, then went in after the earlier one.
      expect(seen).toEqual([
        { firstSeq: 3, firstStatus: 'gap' },
        { firstSeq: 1, firstStatus: 'accepted' },
        { firstSeq: 3, firstStatus: 'accepted' },
      ]);
    } finally {
      await ordered.close();
    }
  });

  it('is answered gap when the ops before it never come, having changed nothing', async () => {
    const seen: SeenAppend[] = [];
    const ordered = await startHarness({ wrapLog: noteAppends(seen) });
    try {
      const head = await ordered.log.head();
      const response = await ordered.service.handle(
        request('POST', '/v1/push', {
          as: 'hwNorth',
          body: pushBody('tab-1', patientBatch('tab-1', 5, 2, 'fac-north')),
        }),
      );
      const json = jsonOf(response);
      expect(field(json, 'results')).toEqual([
        { seq: 5, status: 'gap', expected: 1 },
        { seq: 6, status: 'gap', expected: 1 },
      ]);
      expect(field(json, 'ackedSeq')).toBe(0);
      expect(seen).toHaveLength(EARLY_BATCH_TRIES + 1);
      expect(await ordered.log.head()).toBe(head);
    } finally {
      await ordered.close();
    }
  });
});
