/**
 * Where a replica keeps its data: any SQLite reachable through a kysely dialect. Node uses
 * better-sqlite3 (`sqliteFileStorage`); an app plugs in its platform's driver by handing its
 * kysely dialect (for instance a React Native SQLite driver's) as `{ dialect }`.
 *
 * Invariant: `openReplicaStore` migrates before it returns, so every store it hands out has the
 * current schema.
 */
import { type Dialect, Kysely, SqliteDialect } from 'kysely';
import { withStatementCache } from '../../adapters/sqlite/statement-cache.ts';
import { KyselyReplicaStore } from './kysely-replica-store.ts';
import { migrateReplica } from './replica-migrations.ts';
import type { ReplicaStore } from './replica-store.ts';
import type { ReplicaTables } from './replica-tables.ts';

/** A SQLite database behind a kysely dialect. */
export interface ReplicaStorage {
  readonly dialect: Dialect;
}

/**
 * A better-sqlite3 database at `path` (`':memory:'` for one that lives as long as the replica).
 * A file is opened in WAL mode with full synchronous commits: a commit that returned survives a
 * killed process and a power cut. Its statements are prepared once per SQL text
 * (`src/adapters/sqlite/statement-cache.ts`, shared with the log). better-sqlite3 is loaded
 * only when the database is opened, so an app that plugs in its own dialect never loads it.
 */
export const sqliteFileStorage = (path: string): ReplicaStorage => ({
  dialect: new SqliteDialect({
    database: async () => {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path);
      if (path !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      return withStatementCache(db);
    },
  }),
});

/** An open store and the way to close it. */
export interface OpenStore {
  readonly store: ReplicaStore;
  close(): Promise<void>;
}

/** Opens the storage, migrates it, and returns the store over it. */
export const openReplicaStore = async (storage: ReplicaStorage): Promise<OpenStore> => {
  const db = new Kysely<ReplicaTables>({ dialect: storage.dialect });
  try {
    await migrateReplica(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { store: new KyselyReplicaStore(db), close: () => db.destroy() };
};
