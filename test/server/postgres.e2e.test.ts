/**
 * The real server process on Postgres (DATABASE_URL), in a schema of its own per run: every
 * route and error code over HTTP (`server-scenarios.ts`), and two instances on one database,
 * where a push to one pokes an events subscriber of the other (LISTEN/NOTIFY).
 *
 * Without DATABASE_URL the file registers one skipped test that says so; with a DATABASE_URL
 * that cannot be reached, every test fails with the connection's error.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientBatch, pushBody, TOKENS } from '../functions/sync-fixtures.ts';
import { subscribe } from './event-subscription.ts';
import { clientOf, prop } from './http-client.ts';
import {
  makeWorkspace,
  type ServerProcess,
  startServer,
  type Workspace,
} from './server-process.ts';
import { serverScenarios } from './server-scenarios.ts';

const DATABASE_URL = process.env.DATABASE_URL;

if (DATABASE_URL === undefined || DATABASE_URL === '') {
  describe('the server on Postgres', () => {
    it.skip('needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test): not set, so not run', () => {});
  });
} else {
  const schema = `e2e_${process.pid}_${Date.now().toString(36)}`;
  let workspace: Workspace;
  let first: ServerProcess;
  let second: ServerProcess;

  const withClient = async <A>(work: (client: pg.Client) => Promise<A>): Promise<A> => {
    const client = new pg.Client({
      connectionString: DATABASE_URL,
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  /** Why the servers could not start: every test fails with it (an unreachable database). */
  let startup: unknown;
  const running = (): { first: ServerProcess; second: ServerProcess } => {
    if (startup !== undefined) throw startup;
    return { first, second };
  };

  beforeAll(async () => {
    try {
      await withClient((client) => client.query('select 1'));
      workspace = await makeWorkspace();
      const args = [
        '--postgres',
        DATABASE_URL,
        '--schema',
        schema,
        '--principals',
        workspace.principals,
      ];
      [first, second] = await Promise.all([startServer({ args }), startServer({ args })]);
    } catch (error) {
      startup = error;
    }
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    await workspace?.remove();
    await withClient((client) => client.query(`drop schema if exists ${schema} cascade`)).catch(
      () => {},
    );
  });

  describe('the server on Postgres', () => {
    serverScenarios(
      () => clientOf(running().first.url),
      () => running().first.url,
      'pg',
    );

    it('loads the reference data once, though two instances started together', async () => {
      const json: unknown = await (
        await clientOf(running().second.url).get('/v1/pull?limit=5000', { as: 'admin' })
      ).json();
      const ops = prop(json, 'ops');
      const seeded = Array.isArray(ops)
        ? ops.filter((op) => prop(op, 'deviceId') === 'server.seed')
        : [];
      const ids = seeded.map((op) => prop(op, 'docId'));
      expect(ids).toContain('vac-bcg');
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('a push to one instance pokes an events subscriber of the other', async () => {
      const { events, close } = await subscribe(running().second.url, TOKENS.hwNorth);
      try {
        const started = performance.now();
        const response = await clientOf(running().first.url).post('/v1/push', {
          as: 'hwNorth',
          body: pushBody('pg-tab-x', patientBatch('pg-tab-x', 1, 1, 'fac-north')),
        });
        const pushed: unknown = await response.json();
        await events.until(
          () => events.pokes().includes(String(prop(pushed, 'head'))),
          5000,
          'a poke from the other instance',
        );
        console.info(
          `cross-instance poke arrived ${(performance.now() - started).toFixed(1)} ms after the push was sent`,
        );
      } finally {
        close();
      }
    });
  });
}
