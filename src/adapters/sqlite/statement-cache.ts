/**
 * Prepared statements kept for reuse. kysely's SQLite driver prepares every query it runs
 * (`database.prepare(sql)`), and better-sqlite3 compiles each one anew; the log runs the same few
 * statements for every append, so they are kept, by their SQL text, in a bounded cache in front
 * of the database.
 *
 * Invariants:
 * 1. A statement is handed out again only for the same SQL text, and never while it is busy (an
 *    iteration over its rows is open): then a fresh one is prepared.
 * 2. At most `limits.statements` statements, of at most `limits.sqlChars` characters of SQL
 *    together, are kept; the least recently used ones are dropped first. A prepared statement
 *    takes memory in proportion to its text (about 1 MB for a 1,000-row insert of 12 columns),
 *    so the texts' length bounds the cache's memory; a text longer than the whole budget is
 *    prepared and not kept.
 */

/** A statement, as far as the cache needs to know it. */
export interface CacheableStatement {
  /** True while an iteration over the statement's rows is open (better-sqlite3's `busy`). */
  readonly busy: boolean;
}

/** The part of a database the cache wraps: the same shape kysely's `SqliteDatabase` takes. */
export interface PreparingDatabase<S extends CacheableStatement> {
  prepare(sql: string): S;
  close(): void;
}

/** How much a cache keeps (see invariant 2). */
export interface StatementCacheLimits {
  readonly statements: number;
  readonly sqlChars: number;
}

/**
 * What a log keeps: its appends and reads use a few dozen texts, the largest of them the
 * multi-row inserts of a batch (tens of kilobytes of SQL each); about 16 MB of statements at most.
 */
export const DEFAULT_STATEMENT_LIMITS: StatementCacheLimits = {
  statements: 128,
  sqlChars: 512 * 1024,
};

/**
 * `database` with its statements kept for reuse (see the module).
 *
 * @example
 * new SqliteDialect({ database: withStatementCache(new Database(path)) })
 */
export const withStatementCache = <S extends CacheableStatement>(
  database: PreparingDatabase<S>,
  limits: StatementCacheLimits = DEFAULT_STATEMENT_LIMITS,
): PreparingDatabase<S> => {
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  const statements = new Map<string, S>();
  let sqlChars = 0;
  const forget = (sql: string): void => {
    if (statements.delete(sql)) sqlChars -= sql.length;
  };
  return {
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) {
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      forget(sql);
      if (sql.length > limits.sqlChars) return statement;
      statements.set(sql, statement);
      sqlChars += sql.length;
      for (const oldest of statements.keys()) {
        if (statements.size <= limits.statements && sqlChars <= limits.sqlChars) break;
        forget(oldest);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlChars = 0;
      database.close();
    },
  };
};
