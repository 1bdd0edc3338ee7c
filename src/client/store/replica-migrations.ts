/**
 * The replica's schema, as kysely migrations with an in-code provider, so that the same code
 * migrates a file in Node and a database on a phone.
 *
 * Invariant: a migration, once released, never changes; a new schema is a new migration.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { ReplicaTables } from './replica-tables.ts';

const initialSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('replica_meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('outbox')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('created_at', 'integer', (c) => c.notNull())
      .addColumn('acked_cursor', 'text')
      .execute();
    await db.schema
      .createIndex('outbox_document')
      .on('outbox')
      .columns(['collection', 'doc_id', 'seq'])
      .execute();

    await db.schema
      .createTable('logged_ops')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('logged_ops_dot', ['device_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('logged_ops_document')
      .on('logged_ops')
      .columns(['collection', 'doc_id'])
      .execute();

    await db.schema
      .createTable('documents')
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('base', 'text')
      .addColumn('complete', 'integer', (c) => c.notNull())
      .addColumn('view', 'text', (c) => c.notNull())
      .addColumn('stale', 'integer', (c) => c.notNull())
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created', 'integer', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull())
      .addColumn('disputed', 'text', (c) => c.notNull())
      .addColumn('pending', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('documents_key', ['collection', 'doc_id'])
      .execute();

    await db.schema
      .createTable('rejections')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('op', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull())
      .addColumn('rejected_at', 'integer', (c) => c.notNull())
      .execute();
  },
};

/**
 * Finding the documents left stale without reading the whole table: a settle pass looks for
 * them after every snapshot page and pull page.
 */
const staleIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('documents_stale').on('documents').column('stale').execute();
  },
};

const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initialSchema,
  '0002_stale_index': staleIndex,
};

const provider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};

/** Brings a replica database to the current schema; throws when a migration fails (a bug). */
export const migrateReplica = async (db: Kysely<ReplicaTables>): Promise<void> => {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'replica_migrations',
    migrationLockTableName: 'replica_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new Error(`replica migration failed: ${String(error)}`);
  }
};
