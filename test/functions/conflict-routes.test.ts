/**
 * Conflicts through the host-independent interface: two devices disagree on a review field, the
 * conflict is listed open, resolved once, and every refusal of PROTOCOL.md has its status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConflicts } from './conflict-scenario.ts';
import { field, type Harness, jsonOf, request, startHarness } from './service-harness.ts';
import type { TestUser } from './sync-fixtures.ts';

let harness: Harness;
let ids: Awaited<ReturnType<typeof makeConflicts>>;
beforeAll(async () => {
  harness = await startHarness();
  ids = await makeConflicts(async (method, target, as, body) => {
    const [path = '', search = ''] = target.split('?');
    const query = Object.fromEntries(new URLSearchParams(search));
    const response = await harness.service.handle(request(method, path, { as, body, query }));
    return { status: response.status, json: jsonOf(response) };
  });
});
afterAll(async () => {
  await harness.close();
});

const resolve = (id: string, data: unknown, as: TestUser = 'auditor') =>
  harness.service.handle(request('POST', `/v1/conflicts/${id}/resolve`, { as, body: { data } }));

const codeOf = (json: unknown) => field(field(json, 'error'), 'code');

describe('conflicts', () => {
  it('lists the open review conflicts, not the superseded one', async () => {
    const json = jsonOf(
      await harness.service.handle(request('GET', '/v1/conflicts', { as: 'auditor' })),
    );
    const conflicts = field(json, 'conflicts');
    expect(Array.isArray(conflicts) && conflicts.map((c) => field(c, 'id'))).toEqual([
      ids.toResolve,
    ]);
    expect(Array.isArray(conflicts) && conflicts[0]).toMatchObject({
      kind: 'field',
      fields: ['fullName'],
      rule: 'review',
      status: 'open',
      resolvedBy: null,
    });
  });

  it('a resolution with a value the codec refuses is 400 at data.<field>, and the conflict stays open', async () => {
    const response = await resolve(ids.toResolve, { fullName: 42 });
    expect(response.status).toBe(400);
    expect(field(field(jsonOf(response), 'error'), 'path')).toBe('data.fullName');
    const open = field(
      jsonOf(await harness.service.handle(request('GET', '/v1/conflicts', { as: 'auditor' }))),
      'conflicts',
    );
    expect(Array.isArray(open) && open.map((c) => [field(c, 'id'), field(c, 'status')])).toEqual([
      [ids.toResolve, 'open'],
    ]);
  });

  it('a resolution of a field not in the record is 400 at data.<field>', async () => {
    const response = await resolve(ids.toResolve, { fullName: 'A', sex: 'M' });
    expect(response.status).toBe(400);
    expect(field(field(jsonOf(response), 'error'), 'path')).toBe('data.sex');
  });

  it('health workers may not resolve', async () => {
    expect((await resolve(ids.toResolve, { fullName: 'A' }, 'hwNorth')).status).toBe(403);
  });

  it('resolves an open conflict once, then answers 409 already_resolved', async () => {
    const first = await resolve(ids.toResolve, { fullName: 'Amina Okello-Resolved' });
    expect(first.status).toBe(200);
    const json = jsonOf(first);
    expect(field(field(json, 'conflict'), 'status')).toBe('resolved');
    expect(field(field(field(json, 'conflict'), 'resolvedBy'), 'deviceId')).toBe(
      'server.resolutions',
    );
    expect(typeof field(json, 'cursor')).toBe('string');
    const again = await resolve(ids.toResolve, { fullName: 'Other' });
    expect(again.status).toBe(409);
    expect(codeOf(jsonOf(again))).toBe('already_resolved');
  });

  it('a conflict that later ops superseded is 409 stale', async () => {
    const response = await resolve(ids.toSupersede, { fullName: 'X' });
    expect(response.status).toBe(409);
    expect(codeOf(jsonOf(response))).toBe('stale');
  });

  it('a delete conflict is 409 not_resolvable', async () => {
    const response = await resolve(ids.deleteConflict, { fullName: 'X' });
    expect(response.status).toBe(409);
    expect(codeOf(jsonOf(response))).toBe('not_resolvable');
  });

  it('an unknown conflict is 404 not_found', async () => {
    const response = await resolve('no-such-conflict', { fullName: 'X' });
    expect(response.status).toBe(404);
  });

  it('a body without data is 400 bad_request', async () => {
    const response = await harness.service.handle(
      request('POST', `/v1/conflicts/${ids.toResolve}/resolve`, {
        as: 'auditor',
        body: { values: {} },
      }),
    );
    expect(response.status).toBe(400);
    expect(field(field(jsonOf(response), 'error'), 'path')).toBe('data');
  });
});
