/**
 * End to end over HTTP: the routes besides push and pull (ops, snapshot, status, history,
 * conflicts and resolutions, verify, metrics, events) and their refusals.
 */
import { describe, expect, it } from 'vitest';
import { makeConflicts } from '../functions/conflict-scenario.ts';
import { patientBatch, pushBody, TOKENS } from '../functions/sync-fixtures.ts';
import { subscribe } from './event-subscription.ts';
import { type Client, expectError, prop } from './http-client.ts';
import { docIds } from './pull-json.ts';

/** Registers the scenarios (see `server-scenarios.ts`). */
export const routeScenarios = (client: () => Client, url: () => string, prefix: string): void => {
  const dev = (name: string) => `${prefix}-${name}`;

  describe('the other routes', () => {
    it('GET /v1/ops serves a visible document, 404 otherwise', async () => {
      const device = dev('tab-ops');
      await client().post('/v1/push', {
        as: 'hwNorth',
        body: pushBody(device, patientBatch(device, 1, 1, 'fac-north')),
      });
      const json = await (
        await client().get(`/v1/ops/patients/${device}-p1`, { as: 'hwNorth' })
      ).json();
      expect(docIds(json)).toEqual([`${device}-p1`]);
      await expectError(
        await client().get(`/v1/ops/patients/${device}-p1`, { as: 'hwSouth' }),
        404,
        'not_found',
      );
    });

    it('GET /v1/snapshot serves documents at one cursor', async () => {
      const json: unknown = await (await client().get('/v1/snapshot', { as: 'hwSouth' })).json();
      const docs = prop(json, 'docs');
      expect(Array.isArray(docs) && docs.some((d) => prop(d, 'docId') === 'fac-north')).toBe(true);
      expect(typeof prop(json, 'cursor')).toBe('string');
      await expectError(
        await client().get('/v1/snapshot?page=tampered', { as: 'hwSouth' }),
        400,
        'bad_cursor',
      );
    });

    it('GET /v1/status for a device, the overview, and their refusals', async () => {
      const device = dev('tab-st');
      await client().post('/v1/push', {
        as: 'hwNorth',
        body: pushBody(device, patientBatch(device, 1, 2, 'fac-north')),
      });
      const mine: unknown = await (
        await client().get(`/v1/status?deviceId=${device}`, { as: 'hwNorth' })
      ).json();
      expect(prop(mine, 'ackedSeq')).toBe(2);
      expect(prop(mine, 'userId')).toBe('hw-north');
      const overview: unknown = await (
        await client().get('/v1/status', { as: 'supervisor' })
      ).json();
      expect(
        Object.keys(typeof overview === 'object' && overview !== null ? overview : {}).sort(),
      ).toEqual(['devices', 'head', 'stale']);
      await expectError(
        await client().get(`/v1/status?deviceId=${device}`, { as: 'hwSouth' }),
        403,
        'forbidden',
      );
      await expectError(
        await client().get('/v1/status?deviceId=nobody-here', { as: 'admin' }),
        404,
        'not_found',
      );
      await expectError(await client().get('/v1/status', { as: 'hwNorth' }), 403, 'forbidden');
    });

    it('GET /v1/history for auditors, refused to health workers', async () => {
      const device = dev('tab-hist');
      await client().post('/v1/push', {
        as: 'hwNorth',
        body: pushBody(device, patientBatch(device, 1, 1, 'fac-north')),
      });
      const json: unknown = await (
        await client().get(`/v1/history/patients/${device}-p1`, { as: 'auditor' })
      ).json();
      expect(prop(prop(json, 'doc'), 'deleted')).toBe(false);
      const timeline = prop(json, 'timeline');
      expect(Array.isArray(timeline) && prop(prop(timeline[0], 'outcome'), 'applied')).toEqual(
        expect.arrayContaining(['fullName', 'facilityId']),
      );
      await expectError(
        await client().get(`/v1/history/patients/${device}-p1`, { as: 'hwNorth' }),
        403,
        'forbidden',
      );
    });

    it('conflicts: listed, resolved once; 409 already_resolved, stale, not_resolvable; 404; 400 at data.<field>', async () => {
      const ids = await makeConflicts(client().json, prefix);
      const open: unknown = await (
        await client().get('/v1/conflicts?status=open', { as: 'auditor' })
      ).json();
      const listed = prop(open, 'conflicts');
      expect(Array.isArray(listed) && listed.map((c) => prop(c, 'id'))).toContain(ids.toResolve);
      const resolve = (id: string, data: unknown) =>
        client().post(`/v1/conflicts/${id}/resolve`, { as: 'auditor', body: { data } });
      await expectError(
        await resolve(ids.toResolve, { fullName: '' }),
        400,
        'bad_request',
        'data.fullName',
      );
      const resolved = await resolve(ids.toResolve, { fullName: 'Amina Resolved' });
      expect(resolved.status).toBe(200);
      expect(prop(prop(await resolved.json(), 'conflict'), 'status')).toBe('resolved');
      await expectError(
        await resolve(ids.toResolve, { fullName: 'Again' }),
        409,
        'already_resolved',
      );
      await expectError(await resolve(ids.toSupersede, { fullName: 'Late' }), 409, 'stale');
      await expectError(
        await resolve(ids.deleteConflict, { fullName: 'No' }),
        409,
        'not_resolvable',
      );
      await expectError(await resolve('no-such-conflict', { fullName: 'No' }), 404, 'not_found');
      await expectError(await client().get('/v1/conflicts', { as: 'hwNorth' }), 403, 'forbidden');
    });

    it('POST /v1/verify for admins: the log and its projections agree', async () => {
      const response = await client().post('/v1/verify', { as: 'admin' });
      const json: unknown = await response.json();
      expect(prop(json, 'ok')).toBe(true);
      expect(prop(json, 'problems')).toEqual([]);
      await expectError(await client().post('/v1/verify', { as: 'auditor' }), 403, 'forbidden');
    });

    it('GET /metrics for admins: latency histograms, op counters, refusals by code, device lag', async () => {
      const text = await (await client().get('/metrics', { as: 'admin' })).text();
      for (const name of [
        'immune_sync_push_duration_seconds_bucket',
        'immune_sync_pull_duration_seconds_bucket',
        'immune_sync_ops_appended_total',
        'immune_sync_ops_duplicate_total',
        'immune_sync_refusals_total{route="push",code="bad_request"}',
        'immune_sync_device_lag_ops{device=',
        'immune_sync_open_conflicts',
      ]) {
        expect(text).toContain(name);
      }
      await expectError(await client().get('/metrics', { as: 'supervisor' }), 403, 'forbidden');
    });
  });

  describe('events', () => {
    it('pokes a subscriber soon after a visible push (latency measured)', async () => {
      const { events, close } = await subscribe(url(), TOKENS.hwNorth);
      try {
        const device = dev('tab-ev');
        const started = performance.now();
        const pushed = await (
          await client().post('/v1/push', {
            as: 'hwNorth',
            body: pushBody(device, patientBatch(device, 1, 1, 'fac-north')),
          })
        ).json();
        await events.until(() => events.pokes().length > 0, 5000, 'a poke');
        const latency = performance.now() - started;
        console.info(`poke arrived ${latency.toFixed(1)} ms after the push was sent`);
        expect(events.pokes()).toContain(prop(pushed, 'head'));
      } finally {
        close();
      }
    });

    it('refuses a bad cursor before the stream opens', async () => {
      await expectError(
        await client().get('/v1/events?after=tampered', { as: 'hwNorth' }),
        400,
        'bad_cursor',
      );
    });
  });
};
