/**
 * The log's contract on Postgres. It runs whenever DATABASE_URL is set (CI sets it); a database
 * that is asked for but unreachable fails the run, it is never skipped. Each test works in a
 * schema of its own, dropped at the end.
 */
import pg from 'pg';
import { expect, test } from 'vitest';
import { openPostgresLog } from '../../src/adapters/postgres/postgres-log.ts';
import type { LogOptions } from '../../src/log/log-options.ts';
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import { isSelected } from './log-backends.ts';
import { type LogFactory, runLogContract } from './log-contract.ts';
import { dropSchema, testSchemaName } from './postgres-schemas.ts';
import { sqlTamper } from './sql-tamper.ts';

const DATABASE_URL = process.env.DATABASE_URL;

/** Opens a log in a fresh schema; more instances on it on demand; drops the schema at close. */
const factoryFor =
  (connectionString: string): LogFactory =>
  async (options) => {
    const schema = testSchemaName('log_test');
    const instances: SqlOperationLog[] = [];
    const open = async (more?: LogOptions): Promise<SqlOperationLog> => {
      const log = await openPostgresLog({
        connectionString,
        schema,
        poolSize: 4,
        ...options,
        ...more,
      });
      instances.push(log);
      return log;
    };
    const close = async (): Promise<void> => {
      await Promise.all(instances.map((instance) => instance.close()));
      await dropSchema(connectionString, schema);
    };
    try {
      const log = await open();
      return { log, openInstance: open, tamper: sqlTamper(log), close };
    } catch (error) {
      // A log that failed to open leaves no schema behind (the error still fails the test).
      await close().catch(() => undefined);
      throw error;
    }
  };

const runsPostgres = DATABASE_URL !== undefined && isSelected('postgres');

// Without DATABASE_URL (or with LOG_BACKENDS leaving postgres out) this is the file's one test,
// skipped; with it, an unreachable database fails here and in every contract test.
test.skipIf(!runsPostgres)(
  'the database at DATABASE_URL answers (the Postgres contract needs DATABASE_URL)',
  async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  },
);

if (runsPostgres && DATABASE_URL !== undefined) {
  runLogContract('Postgres', factoryFor(DATABASE_URL), { severalInstances: true });
}
