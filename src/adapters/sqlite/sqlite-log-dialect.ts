/**
 * The SQLite capabilities of the SQL operation log.
 *
 * SQLite has one writer at a time, and the log keeps one connection per process: kysely runs
 * one transaction at a time on it, so appends already serialize in this process. The append
 * transaction still starts with a write, so that it takes SQLite's write lock at once: another
 * process appending to the same file then waits (busy timeout) instead of failing at commit.
 */
import { sql } from 'kysely';
import type { LogDialect } from '../../log/log-dialect.ts';
import { META_EPOCH } from '../../log/migrations.ts';

/**
 * SQLite's limit on bound parameters (SQLITE_MAX_VARIABLE_NUMBER, 32766 since 3.32), with room
 * to spare.
 */
const SQLITE_MAX_PARAMETERS = 30_000;

/**
 * The capabilities of a SQLite store; `release` closes what the adapter opened besides the
 * database (the checkpoint worker), after the database.
 */
export const sqliteLogDialect = (
  release: () => Promise<void> = () => Promise.resolve(),
): LogDialect => ({
  columnTypes: { int64: 'integer' },
  maxParameters: SQLITE_MAX_PARAMETERS,
  async serializeAppends(trx) {
    // A no-op write: the deferred transaction becomes a write transaction now.
    await sql`update log_meta set value = value where key = ${META_EPOCH}`.execute(trx);
  },
  exclusively: (run) => run(),
  // SQLite's json_valid with its default flags (since 3.45): canonical RFC 8259 text only.
  jsonTextValid: (column) => sql<number>`json_valid(${column})`,
  close: release,
});
