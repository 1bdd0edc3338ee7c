/**
 * End to end over HTTP: health, authentication, and push and pull with every request-level
 * refusal of PROTOCOL.md, compression both ways.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { patientBatch, patientCreate, pushBody } from '../functions/sync-fixtures.ts';
import { type Client, expectError, prop } from './http-client.ts';
import { docIds, statuses } from './pull-json.ts';

/** A cursor of another log: a fresh in-memory one. */
const foreignCursor = async (): Promise<string> => {
  const other = await openSqliteLog({ path: ':memory:' });
  try {
    return await other.head();
  } finally {
    await other.close();
  }
};
/** Registers the scenarios (see `server-scenarios.ts`). */
export const pushPullScenarios = (client: () => Client, prefix: string): void => {
  const dev = (name: string) => `${prefix}-${name}`;

  describe('health and authentication', () => {
    it('GET /healthz answers without credentials', async () => {
      const response = await client().get('/healthz');
      expect(response.status).toBe(200);
      const json: unknown = await response.json();
      expect(Object.keys(typeof json === 'object' && json !== null ? json : {}).sort()).toEqual([
        'head',
        'ok',
      ]);
      expect(prop(json, 'ok')).toBe(true);
    });

    it('no token is 401 unauthenticated, and so is an unknown one', async () => {
      await expectError(await client().get('/v1/pull'), 401, 'unauthenticated');
      await expectError(
        await client().get('/v1/pull', {
          headers: { authorization: 'Bearer not-a-token-of-this-server' },
        }),
        401,
        'unauthenticated',
      );
    });

    it('an unknown route is 404 not_found', async () => {
      await expectError(await client().get('/v1/nothing', { as: 'admin' }), 404, 'not_found');
    });
  });

  describe('push and pull', () => {
    it('a push is answered per op and its ops are pulled by the facility, not by others', async () => {
      const device = dev('tab-n');
      const response = await client().post('/v1/push', {
        as: 'hwNorth',
        body: pushBody(device, patientBatch(device, 1, 3, 'fac-north')),
      });
      expect(response.status).toBe(200);
      const json: unknown = await response.json();
      expect(statuses(json)).toEqual(['accepted', 'accepted', 'accepted']);
      expect(prop(json, 'ackedSeq')).toBe(3);
      const north = await (
        await client().get(`/v1/pull?limit=5000&deviceId=${device}`, { as: 'hwNorth' })
      ).json();
      expect(docIds(north)).toContain(`${device}-p1`);
      const southPull = await client().get('/v1/pull?limit=5000', { as: 'hwSouth' });
      expect(southPull.status).toBe(200);
      const south = await southPull.json();
      expect(docIds(south)).not.toContain(`${device}-p1`);
      const again = await (
        await client().post('/v1/push', {
          as: 'hwNorth',
          body: pushBody(device, patientBatch(device, 1, 3, 'fac-north')),
        })
      ).json();
      expect(statuses(again)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    });

    it('accepts a gzip push body', async () => {
      const device = dev('tab-gz');
      const body = gzipSync(
        JSON.stringify(pushBody(device, patientBatch(device, 1, 2, 'fac-north'))),
      );
      const response = await client().post('/v1/push', {
        as: 'hwNorth',
        body: new Uint8Array(body),
        headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
      });
      expect(response.status).toBe(200);
      expect(statuses(await response.json())).toEqual(['accepted', 'accepted']);
    });

    it.each([['gzip'], ['br']])(
      'answers a pull compressed with %s when the client accepts it',
      async (coding) => {
        const response = await client().get('/v1/pull?limit=5000', {
          as: 'admin',
          headers: { 'accept-encoding': coding },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-encoding')).toBe(coding);
        expect(docIds(await response.json())).toContain('vac-bcg');
      },
    );

    it('answers uncompressed when the client accepts nothing', async () => {
      const response = await client().get('/v1/pull?limit=5000', {
        as: 'admin',
        headers: { 'accept-encoding': 'identity' },
      });
      expect(response.headers.get('content-encoding')).toBeNull();
      expect(docIds(await response.json())).toContain('vac-bcg');
    });

    it.each([
      [
        'a seq that is not a number',
        (d: string) => ({
          deviceId: d,
          ops: [
            patientCreate(d, 1, 'x', 'fac-north'),
            { ...patientCreate(d, 2, 'y', 'fac-north'), seq: 'two' },
          ],
        }),
        'ops.1.seq',
      ],
      [
        'an op of another device',
        (d: string) => ({ deviceId: d, ops: [patientCreate(`${d}-other`, 1, 'x', 'fac-north')] }),
        'ops.0.deviceId',
      ],
      [
        'seqs not increasing',
        (d: string) => ({
          deviceId: d,
          ops: [patientCreate(d, 3, 'x', 'fac-north'), patientCreate(d, 2, 'y', 'fac-north')],
        }),
        'ops.1.seq',
      ],
      ['no ops', (d: string) => ({ deviceId: d, ops: [] }), 'ops'],
    ])('refuses %s with 400 bad_request at its path', async (_what, body, path) => {
      await expectError(
        await client().post('/v1/push', { as: 'hwNorth', body: body(dev('tab-bad')) }),
        400,
        'bad_request',
        path,
      );
    });

    it('refuses a body that is not JSON with 400 bad_request', async () => {
      await expectError(
        await client().post('/v1/push', {
          as: 'hwNorth',
          body: new TextEncoder().encode('{"deviceId"'),
        }),
        400,
        'bad_request',
      );
    });

    it('refuses more than 1000 ops with 413 too_large', async () => {
      const device = dev('tab-big');
      await expectError(
        await client().post('/v1/push', {
          as: 'hwNorth',
          body: pushBody(device, patientBatch(device, 1, 1001, 'fac-north')),
        }),
        413,
        'too_large',
      );
    });

    it('refuses more than 4 MiB, compressed or not, with 413 too_large', async () => {
      const padded = `{"deviceId":"${dev('tab-pad')}","ops":[]${' '.repeat(4 * 1024 * 1024 + 100_000)}}`;
      await expectError(
        await client().post('/v1/push', {
          as: 'hwNorth',
          body: new Uint8Array(gzipSync(padded)),
          headers: { 'content-encoding': 'gzip' },
        }),
        413,
        'too_large',
      );
      await expectError(
        await client().post('/v1/push', { as: 'hwNorth', body: new TextEncoder().encode(padded) }),
        413,
        'too_large',
      );
    });

    it('refuses a brotli push body with 415 unsupported_encoding', async () => {
      await expectError(
        await client().post('/v1/push', {
          as: 'hwNorth',
          body: new Uint8Array([1, 2, 3]),
          headers: { 'content-encoding': 'br' },
        }),
        415,
        'unsupported_encoding',
      );
    });

    it("refuses another user's device with 403 forbidden, on push and on pull", async () => {
      const device = dev('tab-owned');
      await client().post('/v1/push', {
        as: 'hwNorth',
        body: pushBody(device, patientBatch(device, 1, 1, 'fac-north')),
      });
      await expectError(
        await client().post('/v1/push', {
          as: 'hwSouth',
          body: pushBody(device, [patientCreate(device, 2, `${device}-s`, 'fac-south')]),
        }),
        403,
        'forbidden',
      );
      await expectError(
        await client().get(`/v1/pull?deviceId=${device}`, { as: 'hwSouth' }),
        403,
        'forbidden',
      );
    });

    it('refuses a bad limit with 400, a tampered cursor with 400 bad_cursor, a foreign one with 409 reset_required', async () => {
      await expectError(
        await client().get('/v1/pull?limit=0', { as: 'hwNorth' }),
        400,
        'bad_request',
        'limit',
      );
      await expectError(
        await client().get('/v1/pull?after=tampered', { as: 'hwNorth' }),
        400,
        'bad_cursor',
      );
      const foreign = encodeURIComponent(await foreignCursor());
      await expectError(
        await client().get(`/v1/pull?after=${foreign}`, { as: 'hwNorth' }),
        409,
        'reset_required',
      );
    });
  });
};
