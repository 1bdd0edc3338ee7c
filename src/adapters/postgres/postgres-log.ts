/**
 * The operation log on Postgres (pg): the shared store of a scaled-out deployment, several
 * server instances on one database (DESIGN.md section 7). Appends serialize on an advisory lock
 * (see `postgres-log-dialect.ts`), and instances tell each other about new heads through
 * LISTEN/NOTIFY, so `onCommit` fires for every instance's commits.
 */
import { Kysely } from 'kysely';
import type { LogOptions } from '../../log/log-options.ts';
import type { LogTables } from '../../log/log-tables.ts';
import { openSqlOperationLog, type SqlOperationLog } from '../../log/sql-operation-log.ts';
import { OneSchemaPostgresDialect } from './one-schema-introspector.ts';
import { ensureSchema, postgresConnector } from './postgres-connector.ts';
import { postgresLogDialect } from './postgres-log-dialect.ts';

/** Where the log lives. */
export interface PostgresLogConfig extends LogOptions {
  /** `postgres://user@host:port/database`. */
  readonly connectionString: string;
  /** The schema of the log's tables (created if missing): a plain lower-case identifier. Default `public`. */
  readonly schema?: string;
  /** Connections in this instance's pool (default 10). */
  readonly poolSize?: number;
}

/**
 * Opens (creating and migrating it if needed) the log in a Postgres schema. An unreachable
 * database rejects the returned promise.
 *
 * @example
 * const log = await openPostgresLog({ connectionString: process.env.DATABASE_URL, schema: 'sync' });
 */
export const openPostgresLog = async ({
  connectionString,
  schema = 'public',
  poolSize = 10,
  ...options
}: PostgresLogConfig): Promise<SqlOperationLog> => {
  await ensureSchema(connectionString, schema);
  const connector = postgresConnector(connectionString, schema, poolSize);
  // Introspecting the log's schema only: kysely's migrator would read every schema (see
  // one-schema-introspector.ts).
  const db = new Kysely<LogTables>({
    dialect: new OneSchemaPostgresDialect({ pool: connector.pool }, schema),
  });
  try {
    return await openSqlOperationLog({
      db,
      dialect: postgresLogDialect(connector, schema),
      options,
    });
  } catch (error) {
    await db.destroy();
    throw error;
  }
};
