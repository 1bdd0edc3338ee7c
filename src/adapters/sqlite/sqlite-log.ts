/**
 * The operation log on SQLite (better-sqlite3): the embedded default, one process, no other
 * service (DESIGN.md section 7, "Embedded").
 *
 * Durability: the database runs in WAL mode with `synchronous = FULL`. In WAL mode, FULL syncs
 * the WAL file at every commit, so a push that was answered survives a crash of the process and
 * a loss of power. (NORMAL would sync only at checkpoints: still consistent, but the last
 * acknowledged pushes could be lost on power failure, which DESIGN.md section 5, "Recovery",
 * does not allow.) The WAL is copied back into the database file by a worker thread
 * (`background-checkpoints.ts`), so that the thread that appends does not wait for it.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { LogOptions } from '../../log/log-options.ts';
import type { LogTables } from '../../log/log-tables.ts';
import { openSqlOperationLog, type SqlOperationLog } from '../../log/sql-operation-log.ts';
import { BackgroundCheckpoints } from './background-checkpoints.ts';
import { configureReads } from './mapped-reads.ts';
import { sqliteLogDialect } from './sqlite-log-dialect.ts';
import { withStatementCache } from './statement-cache.ts';

/** How long a write waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

/** The part of better-sqlite3's database that configuring durability uses. */
export interface SqlitePragmas {
  pragma(source: string, options?: { readonly simple?: boolean }): unknown;
}

/** Where the log lives: a file path, or `:memory:` (tests). */
export interface SqliteLogConfig extends LogOptions {
  readonly path: string;
}

/** WAL with a synced commit (see the module), and a busy timeout for other processes. */
export const configureDurability = (database: SqlitePragmas, path: string): void => {
  if (path !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
};

/**
 * Opens (creating and migrating it if needed) the log in a SQLite file.
 *
 * @example
 * const log = await openSqliteLog({ path: 'data/immune-sync.db' });
 * const tests = await openSqliteLog({ path: ':memory:', clock: () => fixedNow });
 */
export const openSqliteLog = async ({
  path,
  ...options
}: SqliteLogConfig): Promise<SqlOperationLog> => {
  const database = new Database(path);
  let checkpoints: BackgroundCheckpoints | undefined;
  try {
    configureDurability(database, path);
    configureReads(database, path);
    // A file's WAL is copied back on a thread of its own (`background-checkpoints.ts`).
    if (path !== ':memory:') checkpoints = new BackgroundCheckpoints(path, database);
    const db = new Kysely<LogTables>({
      dialect: new SqliteDialect({ database: withStatementCache(database) }),
    });
    const log = await openSqlOperationLog({
      db,
      dialect: sqliteLogDialect(() => checkpoints?.close() ?? Promise.resolve()),
      options,
    });
    log.onCommit(() => checkpoints?.nudge());
    return log;
  } catch (error) {
    await checkpoints?.close();
    database.close();
    throw error;
  }
};
