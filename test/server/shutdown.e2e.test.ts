/**
 * Graceful shutdown of the real server process: on SIGTERM it stops accepting, ends event
 * streams, finishes the push in flight (its body still arriving) and answers it, closes the
 * database and exits 0; the pushed ops are there when it starts again.
 */
import { request as httpRequest } from 'node:http';
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

/** A POST whose body leaves in two halves: the second only when `sendRest` is called. */
const halfSentPost = (url: string, token: string, body: Buffer) => {
  const req = httpRequest(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(body.byteLength),
    },
  });
  const half = Math.floor(body.byteLength / 2);
  const sentHalf = new Promise<void>((resolve) =>
    req.write(body.subarray(0, half), () => resolve()),
  );
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
  });
  return { sentHalf, response, sendRest: () => req.end(body.subarray(half)) };
};

describe('SIGTERM', () => {
  it('finishes the push in flight, ends event streams, exits 0, and keeps the ops', async () => {
    const server = await startServer({ args: args(), logLevel: 'info' });
    const { events } = await subscribe(server.url, TOKENS.hwNorth);
    const device = 'tab-term';
    const started = performance.now();
    // The push is in flight when the signal comes: its body is half sent, and the rest follows
    // only once the server has said it is shutting down. (A push whose body has arrived is
    // appended and answered in one go on the server's thread, before it can see a signal.)
    const body = Buffer.from(
      JSON.stringify(pushBody(device, patientBatch(device, 1, 1000, 'fac-north'))),
    );
    const pushing = halfSentPost(`${server.url}/v1/push`, TOKENS.hwNorth, body);
    await pushing.sentHalf;
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    const shutdown = await server.waitForLine(/"msg":"shutting down"/, 30_000);
    expect(Number(prop(JSON.parse(shutdown), 'inFlight'))).toBeGreaterThanOrEqual(1);
    pushing.sendRest();

    const response = await pushing.response;
    const answered = performance.now() - started;
    expect(response.status).toBe(200);
    const json: unknown = JSON.parse(response.body);
    expect(prop(json, 'ackedSeq')).toBe(1000);
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
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
