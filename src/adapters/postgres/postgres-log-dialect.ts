/**
 * The Postgres capabilities of the SQL operation log: several stateless server instances on one
 * database (DESIGN.md section 7, "Scaled out").
 *
 * Commit order: every append transaction first takes `pg_advisory_xact_lock` on the log's key,
 * so appends serialize; the lock is released only after the commit is visible, so the next
 * append reads the new head, positions follow commit order, and a reader that has seen a
 * position never meets a lower one committed later (the contract test proves it with eight
 * concurrent instances).
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { LogDialect } from '../../log/log-dialect.ts';
import type { PostgresConnector } from './postgres-connector.ts';
import { postgresHeadChannel } from './postgres-head-channel.ts';

/** Postgres accepts 65535 bound parameters per statement; keep room to spare. */
const POSTGRES_MAX_PARAMETERS = 60_000;

/** A session-level advisory lock key for the migrations of one schema. */
const migrationLockKey = (schema: string): string =>
  createHash('sha256')
    .update(`immune-sync migrations ${schema}`)
    .digest()
    .readBigInt64BE(0)
    .toString();

/** The capabilities of a Postgres store reached through `connector`. */
export const postgresLogDialect = (connector: PostgresConnector, schema: string): LogDialect => ({
  columnTypes: { int64: 'bigint' },
  maxParameters: POSTGRES_MAX_PARAMETERS,
  migrationSchema: schema,
  async serializeAppends(trx, lockKey) {
    await sql`select pg_advisory_xact_lock(cast(${lockKey.toString()} as bigint))`.execute(trx);
  },
  async exclusively(run) {
    const client = await connector.pool.connect();
    const key = migrationLockKey(schema);
    try {
      await client.query('select pg_advisory_lock(cast($1 as bigint))', [key]);
      try {
        return await run();
      } finally {
        await client.query('select pg_advisory_unlock(cast($1 as bigint))', [key]);
      }
    } finally {
      client.release();
    }
  },
  heads: (channel) => postgresHeadChannel(connector, channel),
  async close() {
    // The pool is ended by the kysely instance; head listeners stop with their subscription.
  },
});
