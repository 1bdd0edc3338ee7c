/**
 * The real server process on the embedded SQLite store: every route and error code over HTTP
 * (`server-scenarios.ts`), and `503 unavailable` while another process holds the database's
 * write lock.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientBatch, pushBody } from '../functions/sync-fixtures.ts';
import { clientOf, expectError } from './http-client.ts';
import {
  makeWorkspace,
  type ServerProcess,
  startServer,
  type Workspace,
} from './server-process.ts';
import { serverScenarios } from './server-scenarios.ts';

let workspace: Workspace;
let server: ServerProcess;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await startServer({
    args: ['--db', workspace.db, '--principals', workspace.principals],
  });
});

afterAll(async () => {
  await server?.stop();
  await workspace?.remove();
});

describe('the server on SQLite', () => {
  serverScenarios(
    () => clientOf(server.url),
    () => server.url,
    'sq',
  );

  it('answers 503 unavailable while another process holds the write lock', async () => {
    const other = new Database(workspace.db);
    other.pragma('busy_timeout = 100');
    other.exec('BEGIN IMMEDIATE');
    try {
      const response = await clientOf(server.url).post('/v1/push', {
        as: 'hwNorth',
        body: pushBody('sq-tab-locked', patientBatch('sq-tab-locked', 1, 1, 'fac-north')),
      });
      await expectError(response, 503, 'unavailable');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const retried = await clientOf(server.url).post('/v1/push', {
      as: 'hwNorth',
      body: pushBody('sq-tab-locked', patientBatch('sq-tab-locked', 1, 1, 'fac-north')),
    });
    expect(retried.status).toBe(200);
  });
});
