/**
 * The read routes through the host-independent interface: pull (its parameters and cursors),
 * ops, snapshot, status, history, conflicts, verify, healthz, metrics, and who may use each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { field, type Harness, jsonOf, request, startHarness } from './service-harness.ts';
import { patientBatch, pushBody, type TestUser } from './sync-fixtures.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
  await harness.service.handle(
    request('POST', '/v1/push', {
      as: 'hwNorth',
      body: pushBody('tab-n', patientBatch('tab-n', 1, 3, 'fac-north')),
    }),
  );
  await harness.service.handle(
    request('POST', '/v1/push', {
      as: 'hwSouth',
      body: pushBody('tab-s', patientBatch('tab-s', 1, 2, 'fac-south')),
    }),
  );
});
afterAll(async () => {
  await harness.close();
});

const get = (path: string, as: TestUser | undefined, query: Record<string, string> = {}) =>
  harness.service.handle(request('GET', path, { ...(as === undefined ? {} : { as }), query }));

const codeOf = (json: unknown) => field(field(json, 'error'), 'code');
const docIdsOf = (json: unknown) => {
  const ops = field(json, 'ops');
  return Array.isArray(ops) ? ops.map((o) => field(o, 'docId')) : [];
};

describe('GET /v1/pull', () => {
  it('serves only the ops visible to the principal, reference data included', async () => {
    const ids = docIdsOf(jsonOf(await get('/v1/pull', 'hwNorth')));
    expect(ids).toContain('tab-n-p1');
    expect(ids).toContain('vac-bcg');
    expect(ids).not.toContain('tab-s-p1');
  });

  it('pages with next, hasMore and head', async () => {
    const first = jsonOf(await get('/v1/pull', 'hwNorth', { limit: '2' }));
    expect(docIdsOf(first)).toHaveLength(2);
    expect(field(first, 'hasMore')).toBe(true);
    const next = field(first, 'next');
    const second = jsonOf(
      await get('/v1/pull', 'hwNorth', {
        limit: '5000',
        after: typeof next === 'string' ? next : '',
      }),
    );
    expect(field(second, 'hasMore')).toBe(false);
    const last = field(second, 'next');
    const third = jsonOf(
      await get('/v1/pull', 'hwNorth', { after: typeof last === 'string' ? last : '' }),
    );
    expect(docIdsOf(third)).toEqual([]);
    expect(field(third, 'next')).toBe(last);
  });

  it.each([['0'], ['5001'], ['ten'], ['1.5']])(
    'refuses limit=%s with 400 at limit',
    async (limit) => {
      const response = await get('/v1/pull', 'hwNorth', { limit });
      expect(response.status).toBe(400);
      expect(field(field(jsonOf(response), 'error'), 'path')).toBe('limit');
    },
  );

  it('refuses a tampered cursor with 400 bad_cursor', async () => {
    const response = await get('/v1/pull', 'hwNorth', { after: 'not-a-cursor' });
    expect(response.status).toBe(400);
    expect(codeOf(jsonOf(response))).toBe('bad_cursor');
  });

  it('refuses a cursor of another log with 409 reset_required', async () => {
    const other = await openSqliteLog({ path: ':memory:' });
    const foreign = await other.head();
    await other.close();
    const response = await get('/v1/pull', 'hwNorth', { after: foreign });
    expect(response.status).toBe(409);
    expect(codeOf(jsonOf(response))).toBe('reset_required');
  });

  it("refuses another user's device with 403", async () => {
    const response = await get('/v1/pull', 'hwSouth', { deviceId: 'tab-n' });
    expect(response.status).toBe(403);
  });

  it.each([
    ['a bad cursor', { after: 'not-a-cursor' }],
    ['a bad limit', { limit: '0' }],
  ])('a pull refused for %s binds no device', async (_what, query) => {
    // A harness of its own: the devices this binds stay out of the status overview's.
    const own = await startHarness();
    try {
      const pull = (as: TestUser, extra: Record<string, string> = {}) =>
        own.service.handle(
          request('GET', '/v1/pull', { as, query: { deviceId: 'tab-unbound', ...extra } }),
        );
      expect((await pull('hwNorth', query)).status).toBe(400);
      // Still nobody's: another user's pull binds it.
      const status = await own.service.handle(
        request('GET', '/v1/status', { as: 'admin', query: { deviceId: 'tab-unbound' } }),
      );
      expect(status.status).toBe(404);
      expect((await pull('hwSouth')).status).toBe(200);
      expect((await pull('hwNorth')).status).toBe(403);
    } finally {
      await own.close();
    }
  });

  it('records the pull of a device for status', async () => {
    const page = jsonOf(await get('/v1/pull', 'hwNorth', { deviceId: 'tab-n', limit: '5000' }));
    const status = jsonOf(await get('/v1/status', 'hwNorth', { deviceId: 'tab-n' }));
    expect(field(status, 'pulledCursor')).toBe(field(page, 'next'));
    expect(field(status, 'behind')).toBe(0);
  });
});

describe('the other reads', () => {
  it("GET /v1/ops serves a document's ops and 404 for one the principal cannot see", async () => {
    expect(docIdsOf(jsonOf(await get('/v1/ops/patients/tab-n-p1', 'hwNorth')))).toEqual([
      'tab-n-p1',
    ]);
    expect((await get('/v1/ops/patients/tab-s-p1', 'hwNorth')).status).toBe(404);
    expect((await get('/v1/ops/nothing/tab-n-p1', 'hwNorth')).status).toBe(404);
  });

  it('GET /v1/snapshot serves the visible documents at one cursor', async () => {
    const json = jsonOf(await get('/v1/snapshot', 'hwNorth'));
    const docs = field(json, 'docs');
    const ids = Array.isArray(docs) ? docs.map((d) => field(d, 'docId')) : [];
    expect(ids).toContain('tab-n-p2');
    expect(ids).not.toContain('tab-s-p2');
    expect(field(json, 'nextPage')).toBeNull();
    expect(typeof field(json, 'cursor')).toBe('string');
  });

  it('GET /v1/status: the overview is refused to health workers and served to supervisors', async () => {
    expect((await get('/v1/status', 'hwNorth')).status).toBe(403);
    const overview = jsonOf(await get('/v1/status', 'supervisor'));
    const devices = field(overview, 'devices');
    expect(Array.isArray(devices) && devices.map((d) => field(d, 'deviceId')).sort()).toEqual([
      'tab-n',
      'tab-s',
    ]);
  });

  it('GET /v1/status of an unknown device is 404 for an admin', async () => {
    expect((await get('/v1/status', 'admin', { deviceId: 'nobody' })).status).toBe(404);
  });

  it('GET /v1/history is for auditors, admins and supervisors', async () => {
    expect((await get('/v1/history/patients/tab-n-p1', 'hwNorth')).status).toBe(403);
    const json = jsonOf(await get('/v1/history/patients/tab-n-p1', 'auditor'));
    expect(field(field(json, 'doc'), 'deleted')).toBe(false);
    const timeline = field(json, 'timeline');
    expect(Array.isArray(timeline) && timeline).toHaveLength(1);
  });

  it('GET /v1/conflicts lists open conflicts, and refuses a bad status with 400', async () => {
    expect(jsonOf(await get('/v1/conflicts', 'auditor'))).toEqual({ conflicts: [], next: null });
    const bad = await get('/v1/conflicts', 'auditor', { status: 'maybe' });
    expect(bad.status).toBe(400);
    expect(field(field(jsonOf(bad), 'error'), 'path')).toBe('status');
    expect((await get('/v1/conflicts', 'hwNorth')).status).toBe(403);
  });

  it('POST /v1/verify is for admins', async () => {
    expect(
      (await harness.service.handle(request('POST', '/v1/verify', { as: 'auditor' }))).status,
    ).toBe(403);
    const report = jsonOf(
      await harness.service.handle(request('POST', '/v1/verify', { as: 'admin' })),
    );
    expect(field(report, 'ok')).toBe(true);
  });

  it('GET /healthz needs no credentials', async () => {
    const json = jsonOf(await get('/healthz', undefined));
    expect(field(json, 'ok')).toBe(true);
    expect(typeof field(json, 'head')).toBe('string');
  });

  it('GET /metrics is Prometheus text for admins only', async () => {
    expect((await get('/metrics', 'supervisor')).status).toBe(403);
    const response = await get('/metrics', 'admin');
    expect(response.headers['content-type']).toContain('text/plain');
    const text = response.body instanceof Uint8Array ? new TextDecoder().decode(response.body) : '';
    expect(text).toContain('immune_sync_ops_appended_total 5');
    expect(text).toContain('immune_sync_device_lag_ops{device="tab-n"}');
    expect(text).toContain('immune_sync_refusals_total{route="status",code="forbidden"}');
  });
});

describe('authentication', () => {
  it.each([
    ['GET', '/v1/pull'],
    ['POST', '/v1/push'],
    ['GET', '/v1/ops/patients/x'],
    ['GET', '/v1/snapshot'],
    ['GET', '/v1/events'],
    ['GET', '/v1/status'],
    ['GET', '/v1/history/patients/x'],
    ['GET', '/v1/conflicts'],
    ['POST', '/v1/conflicts/x/resolve'],
    ['POST', '/v1/verify'],
    ['GET', '/metrics'],
  ])('%s %s without a token is 401 unauthenticated', async (method, path) => {
    const response = await harness.service.handle(request(method, path));
    expect(response.status).toBe(401);
    expect(jsonOf(response)).toEqual({
      error: { code: 'unauthenticated', message: expect.any(String) },
    });
  });

  it('an unknown token is 401, and so is another scheme', async () => {
    const unknown = request('GET', '/v1/pull', {
      headers: { authorization: 'Bearer not-a-known-token-at-all' },
    });
    expect((await harness.service.handle(unknown)).status).toBe(401);
    const basic = request('GET', '/v1/pull', {
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    });
    expect((await harness.service.handle(basic)).status).toBe(401);
  });

  it('an unknown route is 404 not_found', async () => {
    const response = await harness.service.handle(request('GET', '/v2/pull', { as: 'admin' }));
    expect(response.status).toBe(404);
    expect(codeOf(jsonOf(response))).toBe('not_found');
  });
});
