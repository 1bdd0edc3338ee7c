/**
 * The log's schema, as kysely migrations run by a `Migrator` with an in-code provider (no
 * migration files to ship next to the code). The first migration also fixes the log's identity:
 * its epoch (a random id that cursors carry) and the secret that signs them.
 *
 * Invariants:
 * 1. A migration, once released, never changes: a new schema is a new migration.
 * 2. The epoch and the secret are written by the first migration, the secret exactly once; a
 *    new store gets new ones (so old cursors are `reset_required`). The epoch changes after
 *    that only when a restored copy is given a new one (`epoch.ts`: a `backup` copy at its
 *    first open, or `immune-sync new-epoch`).
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { LogDialect } from './log-dialect.ts';
import type { LogTables } from './log-tables.ts';

/** Keys of `log_meta`. */
export const META_EPOCH = 'epoch';
export const META_SECRET = 'cursor_secret';

/** A new epoch: a random id, which every cursor of the log carries. */
export const freshEpoch = (): string => randomBytes(12).toString('base64url');

const initialSchema = (dialect: LogDialect): Migration => ({
  async up(db: Kysely<unknown>): Promise<void> {
    const int64 = dialect.columnTypes.int64;
    await db.schema
      .createTable('log_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('ops')
      .addColumn('position', int64, (c) => c.primaryKey())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('seq', int64, (c) => c.notNull())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('author_user_id', 'text', (c) => c.notNull())
      .addColumn('author_role', 'text', (c) => c.notNull())
      .addColumn('received_at', int64, (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('flags', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('ops_dot')
      .unique()
      .on('ops')
      .columns(['device_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('ops_document')
      .on('ops')
      .columns(['collection', 'doc_id', 'position'])
      .execute();

    await db.schema
      .createTable('visibility')
      .addColumn('facility_id', 'text', (c) => c.notNull())
      .addColumn('at_position', int64, (c) => c.notNull())
      .addColumn('op_position', int64, (c) => c.notNull())
      .addPrimaryKeyConstraint('visibility_pk', ['facility_id', 'at_position', 'op_position'])
      .execute();
    await db.schema
      .createIndex('visibility_op')
      .on('visibility')
      .columns(['op_position', 'facility_id'])
      .execute();

    await db.schema
      .createTable('documents')
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull())
      .addColumn('patient_id', 'text')
      .addColumn('facilities', 'text', (c) => c.notNull())
      .addColumn('created_position', int64, (c) => c.notNull())
      .addColumn('last_position', int64, (c) => c.notNull())
      .addPrimaryKeyConstraint('documents_pk', ['collection', 'doc_id'])
      .execute();
    await db.schema
      .createIndex('documents_patient')
      .on('documents')
      .columns(['patient_id', 'collection'])
      .execute();

    await db.schema
      .createTable('document_facilities')
      .addColumn('facility_id', 'text', (c) => c.notNull())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('document_facilities_pk', ['facility_id', 'collection', 'doc_id'])
      .execute();
    await db.schema
      .createIndex('document_facilities_document')
      .on('document_facilities')
      .columns(['collection', 'doc_id'])
      .execute();

    await db.schema
      .createTable('conflicts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('current', 'integer', (c) => c.notNull())
      .addColumn('live', 'integer', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('position', int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('conflicts_document')
      .on('conflicts')
      .columns(['collection', 'doc_id'])
      .execute();
    await db.schema
      .createIndex('conflicts_listing')
      .on('conflicts')
      .columns(['live', 'status', 'id'])
      .execute();

    await db.schema
      .createTable('devices')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('owner_role', 'text', (c) => c.notNull())
      .addColumn('owner_facilities', 'text', (c) => c.notNull())
      .addColumn('acked_seq', int64, (c) => c.notNull())
      .addColumn('chain_hash', 'text', (c) => c.notNull())
      .addColumn('last_push_at', int64)
      .addColumn('last_pull_at', int64)
      .addColumn('pulled_cursor', 'text')
      .addColumn('created_at', int64, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('quarantine')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('seq', int64, (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('raw', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('received_at', int64, (c) => c.notNull())
      .addPrimaryKeyConstraint('quarantine_pk', ['device_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('quarantine_received')
      .on('quarantine')
      .columns(['received_at'])
      .execute();

    // The log's identity: a new store is a new epoch with its own cursor secret.
    const epoch = freshEpoch();
    const secret = randomBytes(32).toString('hex');
    await sql`insert into log_meta (key, value) values (${META_EPOCH}, ${epoch}), (${META_SECRET}, ${secret})`.execute(
      db,
    );
  },
});

/** The migrations of the log, by name (run in name order). */
export const logMigrations = (dialect: LogDialect): Readonly<Record<string, Migration>> => ({
  '0001_operation_log': initialSchema(dialect),
});

/** A provider that hands the in-code migrations to kysely's `Migrator`. */
export const inCodeMigrations = (dialect: LogDialect): MigrationProvider => ({
  getMigrations: async () => logMigrations(dialect),
});

/**
 * Brings the store's schema to the latest migration (a no-op when it is there already), alone
 * among the instances that start at the same time. Throws when a migration fails: a log on a
 * schema it does not know cannot serve.
 */
export const migrateToLatest = async (
  db: Kysely<LogTables>,
  dialect: LogDialect,
): Promise<void> => {
  await dialect.exclusively(async () => {
    const migrator = new Migrator({
      db,
      provider: inCodeMigrations(dialect),
      ...(dialect.migrationSchema === undefined
        ? {}
        : { migrationTableSchema: dialect.migrationSchema }),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`the log's migration ${failed} failed`, { cause: error });
    }
  });
};
