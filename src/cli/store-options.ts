/**
 * Where a command's log lives, from its options: an SQLite file (`--db`, the embedded default)
 * or a Postgres database (`--postgres URL`, optionally `--schema NAME`).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { LogOptions } from '../log/log-options.ts';
import type { OperationLog } from '../log/operation-log.ts';

/** The embedded database's default file. */
export const DEFAULT_DB = './data/immune-sync.db';

/** The store options as commander parses them. */
export interface StoreOptions {
  readonly db?: string;
  readonly postgres?: string;
  readonly schema?: string;
}

/** Adds `--db`, `--postgres` and `--schema` to a command. */
export const withStoreOptions = (command: Command): Command =>
  command
    .option('--db <file>', `the SQLite database file (default ${DEFAULT_DB})`)
    .option('--postgres <url>', 'a Postgres connection string, instead of --db')
    .option('--schema <name>', 'the Postgres schema of the log (default public)');

/** A description of the store for people (no password). */
export const describeStore = (options: StoreOptions): string => {
  if (options.postgres === undefined) return `SQLite ${options.db ?? DEFAULT_DB}`;
  const url = new URL(options.postgres);
  url.password = '';
  return `Postgres ${url.toString()}${options.schema === undefined ? '' : ` schema ${options.schema}`}`;
};

/** The directory where local files (the demo principals) go: the database's, or `./data`. */
export const dataDirectoryOf = (options: StoreOptions): string =>
  options.postgres === undefined ? dirname(options.db ?? DEFAULT_DB) : './data';

/** Opens (creating and migrating if needed) the log the options name. */
export const openStore = async (
  options: StoreOptions,
  logOptions: LogOptions = {},
): Promise<OperationLog> => {
  if (options.db !== undefined && options.postgres !== undefined) {
    throw new Error('give --db or --postgres, not both');
  }
  // The adapters are loaded on first use: `--help` and argument errors need neither.
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
