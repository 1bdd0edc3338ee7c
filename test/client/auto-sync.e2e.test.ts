/**
 * The automatic mode against the real server process: pokes on the SSE stream carry one
 * device's edit to another within moments, and the loop survives the server going away and
 * coming back (same database, same port): edits made meanwhile go out by themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, type ServerProcess, type Workspace } from '../server/server-process.ts';
import { eventually, patientData, rightOf } from './client-fixtures.ts';
import { httpReplica, portOf, serverProjection, serveWorkspace } from './e2e-fixtures.ts';

let workspace: Workspace;
let server: ServerProcess;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await serveWorkspace(workspace);
});

afterAll(async () => {
  await server?.stop();
  await workspace?.remove();
});

describe('the automatic mode against the real server', () => {
  it('carries edits between devices by pokes, and survives the server going away and coming back', async () => {
    const port = portOf(server);
    const a = await httpReplica(server.url, 'hwNorth', 'auto-a');
    const b = await httpReplica(server.url, 'hwNorth2', 'auto-b');
    try {
      a.start();
      b.start();
      for (const replica of [a, b]) {
        await eventually(
          async () => (await replica.status()).lastSyncAt !== null,
          20_000,
          'a first sync',
        );
      }
      const first = rightOf(await a.patients.create(patientData('Online')));
      await eventually(
        async () => (await b.patients.get(first.docId)) !== undefined,
        10_000,
        'b sees the first edit',
      );

      await server.stop();
      const offline = rightOf(
        await a.patients.create(patientData('Made while the server was away')),
      );
      await eventually(async () => (await a.status()).lastError !== null, 10_000, 'a failed push');
      expect(await a.status()).toMatchObject({ pending: 1, online: false });
      expect((await a.status()).lastError?.message).toMatch(/network/);

      server = await serveWorkspace(workspace, port);
      await eventually(
        async () => (await a.status()).pending === 0,
        30_000,
        'a pushes after the outage',
      );
      await eventually(
        async () => (await b.patients.get(offline.docId)) !== undefined,
        30_000,
        'b sees it',
      );
      // a's op came back logged in the pull stage of a cycle that may still be finishing:
      // the error of the cycle that met the outage clears once it has.
      await eventually(
        async () => {
          const status = await a.status();
          return status.online && status.lastError === null;
        },
        10_000,
        'a finishes a cycle without error',
      );
      const projection = await serverProjection(server.url);
      expect(projection.get(`patients/${offline.docId}`)?.data).toEqual(
        (await b.patients.get(offline.docId))?.data,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});
