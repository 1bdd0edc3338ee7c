/**
 * The Appwrite function entries, executed as the open-runtimes runtime executes them, over a
 * host composed as in a deployment (the users and the sync heads in the TablesDB double, driven
 * by node-appwrite).
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_ID,
  SYNC_HEADS_TABLE,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { httpFunction } from '../../src/functions/appwrite/appwrite-functions.ts';
import type { FunctionHost } from '../../src/functions/appwrite/function-host.ts';
import { httpFunctionEntry } from '../../src/functions/appwrite/http-function-entry.ts';
import { once } from '../../src/functions/appwrite/once.ts';
import type { FunctionEntry } from '../../src/functions/appwrite/open-runtimes-context.ts';
import { PROTOCOL_HEADER } from '../../src/functions/render-answer.ts';
import { systemPrincipal } from '../../src/functions/system-principal.ts';
import { field } from '../functions/service-harness.ts';
import { patientCreate } from '../functions/sync-fixtures.ts';
import { type AppwriteFixture, HOST_LOGS, startAppwriteFixture } from './appwrite-fixture.ts';
import {
  type ExecutionRequest,
  execute as executeWith,
  jsonOfExecution,
} from './open-runtimes-harness.ts';

let fixture: AppwriteFixture;

/** Executes with the execution's key, which Appwrite always sets (the function's scopes). */
const execute = (mod: unknown, request: ExecutionRequest = {}) =>
  executeWith(mod, { key: fixture.double.apiKey, ...request });

const entry = (name: string): FunctionEntry =>
  httpFunctionEntry(httpFunction(name), async () => fixture.host);

const push = (userId: string, deviceId: string, ops: readonly unknown[]) =>
  execute(entry('push'), {
    method: 'POST',
    url: '/v1/push',
    userId,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId, ops }),
  });

describe.each(HOST_LOGS)('with the log on %s', (where) => {
  beforeEach(async () => {
    fixture = await startAppwriteFixture(where);
  });

  afterEach(async () => {
    await fixture.close();
  });

  describe('the Appwrite HTTP functions', () => {
    it('push appends the ops of a user known by x-appwrite-user-id and its users row', async () => {
      const execution = await push('hw-north', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
      ]);
      expect(execution.statusCode).toBe(200);
      expect(execution.headers[PROTOCOL_HEADER]).toBe('1');
      const results = field(jsonOfExecution(execution), 'results');
      expect(results).toMatchObject([{ seq: 1, status: 'accepted' }]);
      const ops = await fixture.host.log.documentOps(
        systemPrincipal('t', 'admin'),
        'patients',
        'p-1',
      );
      expect(E.isRight(ops) && ops.right[0]?.author).toEqual({
        userId: 'hw-north',
        role: 'health_worker',
      });
    });

    it('push updates the sync heads row of the facility it touched, readable by its team', async () => {
      const execution = await push('hw-north', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
      ]);
      const row = await fixture.double.tablesDb().getRow({
        databaseId: DEFAULT_DATABASE_ID,
        tableId: SYNC_HEADS_TABLE.id,
        rowId: 'fac-north',
      });
      expect(row.head).toBe(field(jsonOfExecution(execution), 'head'));
      expect(row.$permissions).toEqual(['read("team:fac-north")']);
      const south = fixture.double.state
        .table(DEFAULT_DATABASE_ID, SYNC_HEADS_TABLE.id)
        .rows.has('fac-south');
      expect(south).toBe(false);
    });

    it('refuses a request without x-appwrite-user-id with 401 unauthenticated, naming the header', async () => {
      const execution = await push('', 'tab-1', [patientCreate('tab-1', 1, 'p-1', 'fac-north')]);
      expect(execution.statusCode).toBe(401);
      const error = field(jsonOfExecution(execution), 'error');
      expect(field(error, 'code')).toBe('unauthenticated');
      expect(String(field(error, 'message'))).toContain('x-appwrite-user-id');
    });

    it('takes the user of a request through the function domain from its JWT header', async () => {
      const execution = await execute(entry('pull'), {
        url: '/v1/pull?limit=1',
        userId: '',
        headers: { 'x-immune-sync-jwt': 'jwt-hw-north' },
      });
      expect(execution.statusCode).toBe(200);
      const forged = await execute(entry('pull'), {
        url: '/v1/pull',
        userId: '',
        headers: { 'x-immune-sync-jwt': 'jwt-forged' },
      });
      expect(forged.statusCode).toBe(401);
    });

    it('refuses a user without a row in the users table with 403 forbidden', async () => {
      const execution = await push('stranger', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
      ]);
      expect(execution.statusCode).toBe(403);
      expect(String(field(field(jsonOfExecution(execution), 'error'), 'message'))).toContain(
        'users table',
      );
    });

    it('pull reads the URL-decoded query of the request, as the standalone server does', async () => {
      await push('hw-north', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
        patientCreate('tab-1', 2, 'p-2', 'fac-north'),
      ]);
      const first = await execute(entry('pull'), {
        url: '/v1/pull?limit=1000',
        userId: 'hw-north-2',
      });
      const all = field(jsonOfExecution(first), 'ops');
      const patients = Array.isArray(all)
        ? all.filter((op) => field(op, 'collection') === 'patients')
        : [];
      expect(patients.map((op) => field(op, 'docId'))).toEqual(['p-1', 'p-2']);
      const after = encodeURIComponent(String(field(patients[0], 'cursor')));
      const next = await execute(entry('pull'), {
        url: `/v1/pull?after=${after}&limit=10`,
        userId: 'hw-north-2',
      });
      expect(next.statusCode).toBe(200);
      expect(field(jsonOfExecution(next), 'ops')).toMatchObject([{ docId: 'p-2' }]);
    });

    it('sends a request for / to the function first route', async () => {
      const execution = await execute(entry('pull'), { url: '/?limit=5', userId: 'hw-north' });
      expect(execution.statusCode).toBe(200);
      expect(field(jsonOfExecution(execution), 'hasMore')).toBe(true);
    });

    it('answers a route of another function with 404 not_found', async () => {
      const execution = await execute(entry('pull'), {
        method: 'POST',
        url: '/v1/push',
        userId: 'hw-north',
        body: '{}',
      });
      expect(execution.statusCode).toBe(404);
      expect(field(field(jsonOfExecution(execution), 'error'), 'code')).toBe('not_found');
    });

    it.each([
      ['snapshot', 'GET', '/v1/snapshot', 'admin', 'docs'],
      ['status', 'GET', '/v1/status', 'admin', 'devices'],
      ['history', 'GET', '/v1/history/facilities/fac-north', 'auditor', 'timeline'],
      ['conflicts', 'GET', '/v1/conflicts?status=all', 'auditor', 'conflicts'],
      ['verify', 'POST', '/v1/verify', 'admin', 'ok'],
    ])(
      '%s serves %s %s with the same handler as the standalone server',
      async (name, method, url, userId, key) => {
        const execution = await execute(entry(name), { method, url, userId });
        expect(execution.statusCode).toBe(200);
        expect(jsonOfExecution(execution)).toHaveProperty(key);
      },
    );

    it('answers 503 unavailable, not a missing return, when the host cannot open', async () => {
      const failing = httpFunctionEntry(
        httpFunction('pull'),
        once(async (): Promise<FunctionHost> => {
          throw new Error('missing variables: APPWRITE_FUNCTION_API_ENDPOINT');
        }),
      );
      const execution = await execute(failing, { url: '/v1/pull', userId: 'hw-north' });
      expect(execution.statusCode).toBe(503);
      expect(field(field(jsonOfExecution(execution), 'error'), 'code')).toBe('unavailable');
      expect(execution.errors.join('\n')).toContain('APPWRITE_FUNCTION_API_ENDPOINT');
    });

    it('answers 503 unavailable when the users table cannot be read with the execution key', async () => {
      const execution = await execute(entry('pull'), {
        url: '/v1/pull',
        userId: 'hw-north',
        key: 'revoked',
      });
      expect(execution.statusCode).toBe(503);
      const error = field(jsonOfExecution(execution), 'error');
      expect(field(error, 'code')).toBe('unavailable');
      expect(String(field(error, 'message'))).toContain('scope rows.read');
    });
  });
});

describe('the open-runtimes harness', () => {
  it('answers an entry that returns nothing with 500 Return statement missing', async () => {
    const execution = await executeWith(async () => undefined);
    expect(execution.statusCode).toBe(500);
    expect(execution.errors[0]).toContain('Return statement missing');
  });

  it('answers an entry that throws with 500 and logs its stack', async () => {
    const execution = await executeWith(async () => {
      throw new Error('boom');
    });
    expect(execution.statusCode).toBe(500);
    expect(execution.errors[0]).toMatch(/Error: boom\n\s+at /);
  });

  it('hands the raw query undecoded and a bodyJson that throws on invalid JSON, as the runtime does', async () => {
    const seen: unknown[] = [];
    const execution = await executeWith(
      async (context: {
        req: { query: unknown; bodyJson: unknown };
        res: { empty(): unknown };
      }) => {
        seen.push(context.req.query);
        try {
          seen.push(context.req.bodyJson);
        } catch (error) {
          seen.push(error instanceof SyntaxError ? 'SyntaxError' : 'other');
        }
        return context.res.empty();
      },
      { url: '/x?after=a%3Ab&flag', body: '{not json' },
    );
    expect(execution.statusCode).toBe(204);
    expect(seen).toEqual([{ after: 'a%3Ab', flag: '' }, 'SyntaxError']);
  });
});
