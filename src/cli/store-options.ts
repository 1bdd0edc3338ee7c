/**
 * Where a command's log lives, from its options: an SQLite file (`--db`, the embedded default),
 * a Postgres database (`--postgres URL`, optionally `--schema NAME`), or the TablesDB database
 * of an Appwrite project (`--appwrite`: the deployment's log, docs/appwrite.md; the project
 * from `APPWRITE_ENDPOINT`, `APPWRITE_PROJECT_ID`, `APPWRITE_API_KEY`, the database from
 * `IMMUNE_SYNC_DATABASE_ID`, default `immune_sync`).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { LogOptions } from '../log/log-options.ts';
import type { OperationLog } from '../log/operation-log.ts';
import { connectionOf } from './appwrite-project.ts';

/** The embedded database's default file. */
export const DEFAULT_DB = './data/immune-sync.db';

/** The store options as commander parses them. */
export interface StoreOptions {
  readonly db?: string;
  readonly postgres?: string;
  readonly schema?: string;
  readonly appwrite?: boolean;
}

/** The Appwrite database of `--appwrite`. */
const appwriteDatabase = (): string => process.env.IMMUNE_SYNC_DATABASE_ID ?? 'immune_sync';

/** Adds `--db`, `--postgres` and `--schema` to a command. */
export const withStoreOptions = (command: Command): Command =>
  command
    .option('--db <file>', `the SQLite database file (default ${DEFAULT_DB})`)
    .option('--postgres <url>', 'a Postgres connection string, instead of --db')
    .option('--schema <name>', 'the Postgres schema of the log (default public)')
    .option(
      '--appwrite',
      'the log of an Appwrite deployment (APPWRITE_ENDPOINT, APPWRITE_PROJECT_ID, APPWRITE_API_KEY)',
    );

/** A description of the store for people (no password). */
export const describeStore = (options: StoreOptions): string => {
  if (options.appwrite === true) {
    return `Appwrite ${process.env.APPWRITE_ENDPOINT ?? '?'} project ${process.env.APPWRITE_PROJECT_ID ?? '?'} database ${appwriteDatabase()}`;
  }
  if (options.postgres === undefined) return `SQLite ${options.db ?? DEFAULT_DB}`;
  const url = new URL(options.postgres);
  url.password = '';
  return `Postgres ${url.toString()}${options.schema === undefined ? '' : ` schema ${options.schema}`}`;
};

/** The directory where local files (the demo principals) go: the database's, or `./data`. */
export const dataDirectoryOf = (options: StoreOptions): string =>
  options.postgres === undefined && options.appwrite !== true
    ? dirname(options.db ?? DEFAULT_DB)
    : './data';

/** Why the options name no single store, or undefined when they do. */
export const storeConflict = (options: StoreOptions): string | undefined =>
  [options.db, options.postgres, options.appwrite].filter((o) => o !== undefined).length > 1
    ? 'give one of --db, --postgres and --appwrite'
    : undefined;

/** Opens (creating and migrating if needed) the log the options name. */
export const openStore = async (
  options: StoreOptions,
  logOptions: LogOptions = {},
): Promise<OperationLog> => {
  const conflict = storeConflict(options);
  if (conflict !== undefined) throw new Error(conflict);
  // The adapters are loaded on first use: `--help` and argument errors need none.
  if (options.appwrite === true) {
    const connection = connectionOf({ database: appwriteDatabase() });
    if (typeof connection === 'string') {
      // These commands take the project from the environment only (no --endpoint and such).
      const missing = ['APPWRITE_ENDPOINT', 'APPWRITE_PROJECT_ID', 'APPWRITE_API_KEY'].filter(
        (name) => process.env[name] === undefined,
      );
      throw new Error(`--appwrite: set ${missing.join(', ')} in the environment`);
    }
    const { tablesDbOf } = await import('../adapters/appwrite/appwrite-connection.ts');
    const { openTablesLog } = await import(
      '../adapters/appwrite/tables-log/tables-operation-log.ts'
    );
    return openTablesLog({
      tablesDb: tablesDbOf(connection),
      databaseId: appwriteDatabase(),
      options: logOptions,
    });
  }
  if (options.postgres !== undefined) {
    const { openPostgresLog } = await import('../adapters/postgres/postgres-log.ts');
    return openPostgresLog({
      connectionString: options.postgres,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...logOptions,
    });
  }
  const path = options.db ?? DEFAULT_DB;
  await mkdir(dirname(path), { recursive: true });
  const { openSqliteLog } = await import('../adapters/sqlite/sqlite-log.ts');
  return openSqliteLog({ path, ...logOptions });
};
