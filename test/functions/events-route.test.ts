/**
 * GET /v1/events through the host-independent interface: the stream opens with the cursor
 * checked, pokes the subscriber when ops visible to it are appended, beats, and ends with its
 * request's signal.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/adapters/http/http-exchange.ts';
import { EventStreamReader } from './event-stream-reader.ts';
import { field, type Harness, jsonOf, request, startHarness } from './service-harness.ts';
import { patientBatch, pushBody, type TestUser } from './sync-fixtures.ts';

let harness: Harness;
const aborts: AbortController[] = [];
beforeEach(async () => {
  harness = await startHarness({ heartbeatMs: 100 });
});
afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort();
  await harness.close();
});

const subscribe = async (as: TestUser, query: Record<string, string> = {}) => {
  const abort = new AbortController();
  aborts.push(abort);
  const response = await harness.service.handle(
    request('GET', '/v1/events', { as, query, signal: abort.signal }),
  );
  return { response, abort };
};

const streamOf = (response: HttpResponse): EventStreamReader => {
  if (response.body instanceof Uint8Array)
    throw new Error(`expected a stream, got ${response.status}`);
  return new EventStreamReader(response.body);
};

const push = (as: TestUser, deviceId: string, seq: number, facility: string) =>
  harness.service.handle(
    request('POST', '/v1/push', {
      as,
      body: pushBody(deviceId, patientBatch(deviceId, seq, 1, facility)),
    }),
  );

describe('GET /v1/events', () => {
  it('opens an event stream', async () => {
    const { response } = await subscribe('hwNorth');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    const events = streamOf(response);
    await events.until(() => events.text.startsWith(': connected'), 2000, 'the opening comment');
  });

  it('pokes with the new head when a visible op is appended', async () => {
    const events = streamOf((await subscribe('hwNorth')).response);
    await events.until(() => events.text.length > 0, 2000, 'the stream to open');
    expect(events.pokes()).toEqual([]);
    const pushed = jsonOf(await push('hwNorth', 'tab-n', 1, 'fac-north'));
    await events.until(() => events.pokes().length > 0, 2000, 'a poke');
    expect(events.pokes()).toEqual([field(pushed, 'head')]);
  });

  it('does not poke for ops the subscriber cannot see', async () => {
    const events = streamOf((await subscribe('hwNorth')).response);
    const pushed = jsonOf(await push('hwSouth', 'tab-s', 1, 'fac-south'));
    expect(field(pushed, 'results')).toEqual([expect.objectContaining({ status: 'accepted' })]);
    await events.until(
      () => (events.text.match(/: heartbeat/g) ?? []).length >= 2,
      2000,
      'two heartbeats',
    );
    expect(events.pokes()).toEqual([]);
  });

  it('pokes at once when visible ops already lie after the cursor', async () => {
    const before = await harness.log.head();
    await push('hwNorth', 'tab-n', 1, 'fac-north');
    const events = streamOf((await subscribe('hwNorth', { after: before })).response);
    await events.until(() => events.pokes().length > 0, 1000, 'the first poke');
    expect(events.pokes()).toEqual([await harness.log.head()]);
  });

  it('sends a heartbeat comment', async () => {
    const events = streamOf((await subscribe('auditor')).response);
    await events.until(() => events.text.includes(': heartbeat\n\n'), 2000, 'a heartbeat');
  });

  it('ends when its request is aborted', async () => {
    const { response, abort } = await subscribe('hwNorth');
    const events = streamOf(response);
    abort.abort();
    await events.until(() => events.done, 2000, 'the end of the stream');
  });

  it('refuses a bad cursor before opening, with its status', async () => {
    const { response } = await subscribe('hwNorth', { after: 'not-a-cursor' });
    expect(response.status).toBe(400);
    expect(field(field(jsonOf(response), 'error'), 'code')).toBe('bad_cursor');
  });

  it('binds no device when it refuses the cursor', async () => {
    const refused = await subscribe('hwNorth', { deviceId: 'tab-unbound', after: 'not-a-cursor' });
    expect(refused.response.status).toBe(400);
    // Still nobody's: another user's stream binds it.
    const opened = await subscribe('hwSouth', { deviceId: 'tab-unbound' });
    expect(opened.response.status).toBe(200);
    opened.abort.abort();
    expect((await subscribe('hwNorth', { deviceId: 'tab-unbound' })).response.status).toBe(403);
  });

  it("refuses another user's device with 403", async () => {
    await push('hwNorth', 'tab-n', 1, 'fac-north');
    const { response } = await subscribe('hwSouth', { deviceId: 'tab-n' });
    expect(response.status).toBe(403);
  });
});
