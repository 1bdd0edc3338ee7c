/**
 * An Appwrite project for the function tests: the TablesDB double with immune-sync's database
 * set up by `setupSchema` and the test users' rows in `users`, and a function host composed as
 * in a deployment (`composeFunctionHost`) with the reference data, its log either on TablesDB
 * in the same double (the deployment's default) or outside Appwrite (an in-memory SQLite log,
 * standing for the Postgres one, whose commits the entries fan out to the tables).
 */
import { pino } from 'pino';
import {
  appwriteSchema,
  DEFAULT_DATABASE_ID,
  USERS_TABLE,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import { openTablesLog } from '../../src/adapters/appwrite/tables-log/tables-operation-log.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { composeFunctionHost } from '../../src/functions/appwrite/appwrite-host.ts';
import { FacilityMemory } from '../../src/functions/appwrite/facility-memory.ts';
import type { FunctionHost } from '../../src/functions/appwrite/function-host.ts';
import { seedReferenceData } from '../../src/functions/seed-reference-data.ts';
import { PRINCIPAL_ENTRIES } from '../functions/sync-fixtures.ts';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

/** Users of apps that read rows with their own session (a JWT), members of their facilities' teams. */
export const APP_USERS = {
  'jwt-hw-north': { userId: 'hw-north', teams: ['fac-north'] },
  'jwt-hw-south': { userId: 'hw-south', teams: ['fac-south'] },
} as const;

/** Where the host keeps its log. */
export type HostLog = 'tables' | 'sqlite';

/** Both, for `describe.each`. */
export const HOST_LOGS: readonly HostLog[] = ['tables', 'sqlite'];

/** A project and a host on it. */
export interface AppwriteFixture {
  readonly double: TablesDbDouble;
  readonly host: FunctionHost;
  close(): Promise<void>;
}

/** Starts the double, sets the database up, adds the users, opens the host. */
export const startAppwriteFixture = async (where: HostLog = 'tables'): Promise<AppwriteFixture> => {
  const double = await startTablesDbDouble({ users: APP_USERS });
  const tablesDb = double.tablesDb();
  await setupSchema(tablesDb, appwriteSchema());
  for (const entry of PRINCIPAL_ENTRIES) {
    await tablesDb.createRow({
      databaseId: DEFAULT_DATABASE_ID,
      tableId: USERS_TABLE.id,
      rowId: entry.userId,
      data: { role: entry.role, facilityIds: [...entry.facilityIds] },
    });
  }
  const facilities = new FacilityMemory();
  const log =
    where === 'tables'
      ? await openTablesLog({
          tablesDb,
          databaseId: DEFAULT_DATABASE_ID,
          options: { userFacilities: facilities.of },
        })
      : await openSqliteLog({ path: ':memory:', userFacilities: facilities.of });
  await seedReferenceData(log);
  const host = composeFunctionHost(log, {
    endpoint: double.endpoint,
    projectId: double.projectId,
    databaseId: DEFAULT_DATABASE_ID,
    apiKey: undefined,
    logger: pino({ level: 'silent' }),
    facilities,
    fansOut: where !== 'tables',
  });
  return {
    double,
    host,
    close: async () => {
      await log.close();
      await double.close();
    },
  };
};
