/**
 * What the SQL log needs to know of its backend, as capabilities rather than a dialect's name
 * (STYLE.md, "differences between backends are capability flags on an adapter object"). The
 * SQLite and Postgres adapters each provide one; the core never asks which one it has.
 */
import type { AliasableExpression, Expression, Kysely } from 'kysely';
import type { LogTables } from './log-tables.ts';

/** Column types the schema needs, spelled as the backend wants them. */
export interface LogColumnTypes {
  /**
   * A 64-bit integer. SQLite's `integer` is 64-bit (and an `integer primary key` is the rowid);
   * Postgres needs `bigint`.
   */
  readonly int64: 'integer' | 'bigint';
}

/** Heads announced by other instances on the same store. */
export interface HeadChannel {
  /**
   * Announces `payload` to every listening instance; called inside the append's transaction so
   * that the announcement is delivered at commit, and never for a rolled back append.
   */
  announce(trx: Kysely<LogTables>, payload: string): Promise<void>;
  /** Starts listening; `onPayload` gets every announcement (this instance's included). */
  listen(onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

/** A backend's capabilities. */
export interface LogDialect {
  readonly columnTypes: LogColumnTypes;
  /** The most bound parameters one statement may carry. */
  readonly maxParameters: number;
  /**
   * Called first in every append transaction (and in `replay`). After it returns, no other
   * append of the same log runs until this transaction ends, so positions are assigned in commit
   * order. `lockKey` is derived from the log's epoch: the same for every instance of one log.
   */
  serializeAppends(trx: Kysely<LogTables>, lockKey: bigint): Promise<void>;
  /**
   * Runs the migrations alone: concurrent instances starting on one store wait for each other.
   * `run` is called exactly once.
   */
  exclusively<T>(run: () => Promise<T>): Promise<T>;
  /**
   * The schema of kysely's migration tables, where the store has schemas: the log's own, so
   * that logs in sibling schemas of one database never see each other's migrations.
   */
  readonly migrationSchema?: string;
  /**
   * An SQL test that a text column holds well-formed JSON, 1 or 0, that never raises: RFC 8259
   * text exactly as `JSON.parse` reads it (no JSON5, no raw control characters in strings).
   * A snapshot asks it of each stored text it places in a page as it is, instead of parsing the
   * text in the server (`snapshot-paging.ts`, invariant 5). Absent where the backend has no
   * such test (Postgres before 16 can only raise): the texts are then parsed.
   */
  readonly jsonTextValid?: (column: Expression<string>) => AliasableExpression<number>;
  /** The channel through which instances announce heads; absent for a single-instance store. */
  readonly heads?: (channelName: string) => HeadChannel;
  /** Releases what the adapter opened besides the kysely instance. */
  close(): Promise<void>;
}
