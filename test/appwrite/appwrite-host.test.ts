/**
 * The deployed composition root (`openHostOn`) on the TablesDB double: where the log is kept,
 * from the function's variables, and the key it acts with.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appwriteSchema,
  DEFAULT_DATABASE_ID,
  USERS_TABLE,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import { OPS_TABLE } from '../../src/adapters/appwrite/tables-log/log-rows.ts';
import { openTablesLog } from '../../src/adapters/appwrite/tables-log/tables-operation-log.ts';
import { httpFunction } from '../../src/functions/appwrite/appwrite-functions.ts';
import { openHostOn } from '../../src/functions/appwrite/appwrite-host.ts';
import {
  type FunctionEnvironment,
  readFunctionEnvironment,
} from '../../src/functions/appwrite/function-environment.ts';
import type { FunctionHost } from '../../src/functions/appwrite/function-host.ts';
import { httpFunctionEntry } from '../../src/functions/appwrite/http-function-entry.ts';
import { once } from '../../src/functions/appwrite/once.ts';
import { seedReferenceData } from '../../src/functions/seed-reference-data.ts';
import { patientCreate } from '../functions/sync-fixtures.ts';
import { execute, jsonOfExecution } from './open-runtimes-harness.ts';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

const APPWRITE_VARIABLES = {
  APPWRITE_FUNCTION_API_ENDPOINT: 'https://cloud.appwrite.io/v1',
  APPWRITE_FUNCTION_PROJECT_ID: 'immune-me',
};

describe('the function environment', () => {
  it('keeps the log on TablesDB when no Postgres URL is set', () => {
    const settings = readFunctionEnvironment(APPWRITE_VARIABLES);
    expect(E.isRight(settings) && settings.right.log).toEqual({ kind: 'tables' });
  });

  it('keeps the log in Postgres when IMMUNE_SYNC_POSTGRES_URL is set, in public by default', () => {
    const settings = readFunctionEnvironment({
      ...APPWRITE_VARIABLES,
      IMMUNE_SYNC_POSTGRES_URL: 'postgres://db/immune',
    });
    expect(E.isRight(settings) && settings.right.log).toEqual({
      kind: 'postgres',
      url: 'postgres://db/immune',
      schema: 'public',
    });
  });

  it('names every missing variable, and takes a blank one as missing', () => {
    expect(readFunctionEnvironment({ APPWRITE_FUNCTION_PROJECT_ID: ' ' })).toEqual(
      E.left('missing variables: APPWRITE_FUNCTION_API_ENDPOINT, APPWRITE_FUNCTION_PROJECT_ID'),
    );
  });
});

describe('the host of a deployment with its log on TablesDB', () => {
  let double: TablesDbDouble;
  let settings: FunctionEnvironment;
  let opened: FunctionHost[];

  beforeEach(async () => {
    double = await startTablesDbDouble();
    const tablesDb = double.tablesDb();
    await setupSchema(tablesDb, appwriteSchema());
    await tablesDb.createRow({
      databaseId: DEFAULT_DATABASE_ID,
      tableId: USERS_TABLE.id,
      rowId: 'hw-north',
      data: { role: 'health_worker', facilityIds: ['fac-north'] },
    });
    // The reference data (facilities, vaccines), appended by another instance of the log.
    const seeder = await openTablesLog({ tablesDb, databaseId: DEFAULT_DATABASE_ID });
    await seedReferenceData(seeder);
    await seeder.close();
    settings = {
      endpoint: double.endpoint,
      projectId: double.projectId,
      databaseId: DEFAULT_DATABASE_ID,
      log: { kind: 'tables' },
      apiKey: undefined,
      logLevel: 'silent',
    };
    opened = [];
  });

  afterEach(async () => {
    for (const host of opened) await host.log.close();
    await double.close();
  });

  const pushEntry = (environment: FunctionEnvironment) =>
    httpFunctionEntry(
      httpFunction('push'),
      once(async (headers) => {
        const host = await openHostOn(environment, headers);
        opened.push(host);
        return host;
      }),
    );

  const push = (entry: ReturnType<typeof pushEntry>, key: string, seq: number) =>
    execute(entry, {
      method: 'POST',
      url: '/v1/push',
      userId: 'hw-north',
      key,
      body: JSON.stringify({
        deviceId: 'tab-1',
        ops: [patientCreate('tab-1', seq, `p-${seq}`, 'fac-north')],
      }),
    });

  it('opens with the first execution key and commits the op, its row and the sync head together', async () => {
    const reference = double.state.table(DEFAULT_DATABASE_ID, OPS_TABLE).rows.size;
    const entry = pushEntry(settings);
    const execution = await push(entry, double.apiKey, 1);
    expect(execution.statusCode).toBe(200);
    expect(jsonOfExecution(execution)).toMatchObject({ results: [{ status: 'accepted' }] });
    expect(opened[0]?.fansOut).toBe(false);
    const tables = double.state;
    expect(tables.table(DEFAULT_DATABASE_ID, OPS_TABLE).rows.size).toBe(reference + 1);
    const row = await double
      .tablesDb()
      .getRow({ databaseId: DEFAULT_DATABASE_ID, tableId: 'patients', rowId: 'p-1' });
    expect(row).toMatchObject({ fullName: 'Amina Okello', syncDeleted: false });
    expect(tables.table(DEFAULT_DATABASE_ID, 'sync_heads').rows.has('fac-north')).toBe(true);
  });

  it('acts with the newest execution key, so a revoked one fails the execution, not the container', async () => {
    const entry = pushEntry(settings);
    expect((await push(entry, double.apiKey, 1)).statusCode).toBe(200);
    expect((await push(entry, 'revoked', 2)).statusCode).toBe(503);
    expect((await push(entry, double.apiKey, 2)).statusCode).toBe(200);
    expect(opened).toHaveLength(1);
  });

  it('acts with its own IMMUNE_SYNC_API_KEY whatever key an execution carries', async () => {
    const reference = double.state.table(DEFAULT_DATABASE_ID, OPS_TABLE).rows.size;
    const entry = pushEntry({ ...settings, apiKey: double.apiKey });
    expect((await push(entry, 'revoked', 1)).statusCode).toBe(200);
    expect(double.state.table(DEFAULT_DATABASE_ID, OPS_TABLE).rows.size).toBe(reference + 1);
  });
});
