/**
 * Graceful shutdown of the real server process: on SIGTERM it stops accepting, ends event
 * streams, finishes the push in flight and answers it, closes the database and exits 0; the
 * pushed ops are there when it starts again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientBatch, pushBody, TOKENS } from '../functions/sync-fixtures.ts';
import { subscribe } from './event-subscription.ts';
import { clientOf, prop } from './http-client.ts';
import { makeWorkspace, startServer, type Workspace } from './server-process.ts';

let workspace: Workspace;
beforeAll(async () => {
  workspace = await makeWorkspace();
});
afterAll(async () => {
  await workspace?.remove();
});

const args = () => ['--db', workspace.db, '--principals', workspace.principals];

describe('SIGTERM', () => {
  it('finishes the push in flight, ends event streams, exits 0, and keeps the ops', async () => {
    const server = await startServer({ args: args(), logLevel: 'info' });
    const { events } = await subscribe(server.url, TOKENS.hwNorth);
    const device = 'tab-term';
    const started = performance.now();
    const pushing = clientOf(server.url).post('/v1/push', {
      as: 'hwNorth',
      body: pushBody(device, patientBatch(device, 1, 1000, 'fac-north')),
    });
    await server.waitForLine(/"msg":"push received"/, 30_000);
    server.child.kill('SIGTERM');

    const response = await pushing;
    const answered = performance.now() - started;
    expect(response.status).toBe(200);
    const json: unknown = await response.json();
    expect(prop(json, 'ackedSeq')).toBe(1000);
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const shutdown = await server.waitForLine(/"msg":"shutting down"/, 1000);
    expect(Number(prop(JSON.parse(shutdown), 'inFlight'))).toBeGreaterThanOrEqual(1);
    await server.waitForLine(/"msg":"stopped"/, 1000);
    await events.until(() => events.done, 5000, 'the event stream to end');
    console.info(
      `a push of 1000 ops in flight at SIGTERM was answered after ${answered.toFixed(0)} ms`,
    );

    const restarted = await startServer({ args: args() });
    try {
      const status: unknown = await (
        await clientOf(restarted.url).get(`/v1/status?deviceId=${device}`, { as: 'hwNorth' })
      ).json();
      expect(prop(status, 'ackedSeq')).toBe(1000);
      const pulled: unknown = await (
        await clientOf(restarted.url).get('/v1/pull?limit=5000', { as: 'hwNorth' })
      ).json();
      const ops = prop(pulled, 'ops');
      expect(
        Array.isArray(ops) && ops.filter((op) => prop(op, 'deviceId') === device),
      ).toHaveLength(1000);
    } finally {
      await restarted.stop();
    }
  });

  it('refuses new connections once it has stopped', async () => {
    const server = await startServer({ args: args() });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
