/**
 * How answers go out, for every host alike: compression by Accept-Encoding, exact error bodies,
 * the protocol header, and throws from below turned into 503 or 500.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/functions/protocol-version.ts';
import type { OperationLog } from '../../src/log/operation-log.ts';
import { bytesOf, field, type Harness, jsonOf, request, startHarness } from './service-harness.ts';
import { patientCreate, pushBody } from './sync-fixtures.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The log with one method replaced by one that throws `error`. */
const throwing =
  (method: keyof OperationLog, error: unknown) =>
  (log: OperationLog): OperationLog =>
    new Proxy(log, {
      get(target, property, receiver) {
        if (property === method) {
          return async () => {
            throw error;
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

describe('compression of answers', () => {
  it.each([
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, br', 'br'],
  ])(
    'a large answer to Accept-Encoding %s is sent %s, and decodes to the same JSON',
    async (accept, coding) => {
      harness = await startHarness();
      const plain = await harness.service.handle(request('GET', '/v1/pull', { as: 'hwNorth' }));
      const compressed = await harness.service.handle(
        request('GET', '/v1/pull', { as: 'hwNorth', headers: { 'accept-encoding': accept } }),
      );
      expect(compressed.headers['content-encoding']).toBe(coding);
      expect(compressed.headers.vary).toBe('accept-encoding');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(jsonOf(compressed)).toEqual(jsonOf(plain));
      expect(compressed.body instanceof Uint8Array && plain.body instanceof Uint8Array).toBe(true);
      if (compressed.body instanceof Uint8Array && plain.body instanceof Uint8Array) {
        expect(compressed.body.byteLength).toBeLessThan(plain.body.byteLength);
      }
    },
  );

  it('a small answer goes uncompressed whatever the client accepts', async () => {
    harness = await startHarness();
    const response = await harness.service.handle(
      request('GET', '/healthz', { headers: { 'accept-encoding': 'gzip, br' } }),
    );
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(field(JSON.parse(bytesOf(response).toString()), 'ok')).toBe(true);
  });
});

describe('answers', () => {
  it('carry the protocol version', async () => {
    harness = await startHarness();
    const ok = await harness.service.handle(request('GET', '/healthz'));
    const refused = await harness.service.handle(request('GET', '/v1/pull'));
    expect(ok.headers['x-immune-sync-protocol']).toBe(String(PROTOCOL_VERSION));
    expect(refused.headers['x-immune-sync-protocol']).toBe(String(PROTOCOL_VERSION));
  });

  it('an error body is exactly {error: {code, message, path}}', async () => {
    harness = await startHarness();
    const response = await harness.service.handle(
      request('POST', '/v1/push', { as: 'hwNorth', body: { deviceId: 'tab-1', ops: [] } }),
    );
    expect(jsonOf(response)).toEqual({
      error: { code: 'bad_request', message: expect.any(String), path: 'ops' },
    });
  });

  it('a busy store is 503 unavailable', async () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    harness = await startHarness({ wrapLog: throwing('append', busy) });
    const response = await harness.service.handle(
      request('POST', '/v1/push', {
        as: 'hwNorth',
        body: pushBody('tab-1', [patientCreate('tab-1', 1, 'p', 'fac-north')]),
      }),
    );
    expect(response.status).toBe(503);
    expect(field(field(jsonOf(response), 'error'), 'code')).toBe('unavailable');
  });

  it('a lost database connection is 503 unavailable', async () => {
    const lost = Object.assign(new Error('terminating connection'), { code: '57P01' });
    harness = await startHarness({ wrapLog: throwing('head', lost) });
    expect((await harness.service.handle(request('GET', '/healthz'))).status).toBe(503);
  });

  it('a bug below the handlers is 500 internal, without its details', async () => {
    harness = await startHarness({ wrapLog: throwing('head', new TypeError('x is undefined')) });
    const response = await harness.service.handle(request('GET', '/healthz'));
    expect(response.status).toBe(500);
    expect(JSON.stringify(jsonOf(response))).not.toContain('x is undefined');
  });

  it('the host refusals render as protocol errors', async () => {
    harness = await startHarness();
    const refuse = harness.service.refuse;
    const at = { method: 'POST', path: '/v1/push' };
    expect(refuse('too_large', at).status).toBe(413);
    expect(refuse('draining', at).status).toBe(503);
    expect(refuse('no_route', at).status).toBe(404);
    expect(refuse('failed', at).status).toBe(500);
    expect(field(field(jsonOf(refuse('draining', at)), 'error'), 'code')).toBe('unavailable');
  });
});
