/**
 * The log's contract on Appwrite TablesDB, against the TablesDB test double driven by the real
 * node-appwrite SDK. One double serves the file; each log gets a database of its own, set up by
 * `setupSchema` like a deployment.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appwriteSchema } from '../../src/adapters/appwrite/appwrite-schema.ts';
import { setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import {
  openTablesLog,
  type TablesOperationLog,
} from '../../src/adapters/appwrite/tables-log/tables-operation-log.ts';
import type { LogOptions } from '../../src/log/log-options.ts';
import {
  startTablesDbDouble,
  type TablesDbDouble,
} from '../appwrite/tables-db-double/tables-db-double.ts';
import { isSelected } from './log-backends.ts';
import { type LogFactory, runLogContract } from './log-contract.ts';
import { admin, pullAll, seedReferenceData, workerA } from './log-fixtures.ts';
import { tablesTamper } from './tables-tamper.ts';

let double: TablesDbDouble | undefined;

beforeAll(async () => {
  double = await startTablesDbDouble();
});

afterAll(async () => {
  await double?.close();
});

/** A fresh database on the double, a log on it, more instances on demand. */
const factory: LogFactory = async (options) => {
  if (double === undefined) throw new Error('the double is not running');
  const tablesDb = double.tablesDb();
  const databaseId = `log_${randomBytes(6).toString('hex')}`;
  await setupSchema(tablesDb, appwriteSchema(databaseId));
  const instances: TablesOperationLog[] = [];
  const open = async (more?: LogOptions): Promise<TablesOperationLog> => {
    const log = await openTablesLog({
      // Each instance has its own client, as separate server instances would.
      tablesDb: double?.tablesDb() ?? tablesDb,
      databaseId,
      options: { ...options, ...more },
      // Eight appenders contend for one head row on a loaded 2-core machine: more retries than
      // the default 30 before `HeadContention`, so the concurrency scenario cannot flake on it.
      head: { maxAttempts: 200 },
      headPollMs: 50,
    });
    instances.push(log);
    return log;
  };
  const log = await open();
  return {
    log,
    openInstance: open,
    tamper: tablesTamper(tablesDb, databaseId),
    close: async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      double?.state.databases.delete(databaseId);
    },
  };
};

// With LOG_BACKENDS leaving tables out, every test here is registered and skipped (a file with no
// test at all would fail the run).
describe.skipIf(!isSelected('tables'))('the log on TablesDB', () => {
  runLogContract('Appwrite TablesDB (test double)', factory, { severalInstances: true });

  it('reads the log by its own position columns, never by $sequence (which can commit out of order)', async () => {
    const fixture = await factory();
    try {
      await seedReferenceData(fixture.log);
      await pullAll(fixture.log, admin, undefined, 1);
      await pullAll(fixture.log, workerA, undefined, 1);
      await fixture.log.snapshot(workerA, undefined);
      const requests = double?.requests ?? [];
      expect(requests.some((r) => decodeURIComponent(r.query).includes('"position"'))).toBe(true);
      const bySequence = requests.filter((r) => decodeURIComponent(r.query).includes('$sequence'));
      expect(bySequence).toEqual([]);
    } finally {
      await fixture.close();
    }
  });
});
