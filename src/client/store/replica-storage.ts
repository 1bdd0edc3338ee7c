/**
 * Where a replica keeps its data: any SQLite reachable through a kysely dialect. Node uses
 * better-sqlite3 (`sqliteFileStorage`); an app plugs in its platform's driver by handing its
 * kysely dialect (for instance a React Native SQLite driver's) as `{ dialect }`.
 *
 * Invariant: `openReplicaStore` migrates before it returns, so every store it hands out has the
 * current schema.
 */
import { type Dialect, Kysely, SqliteDialect } from 'kysely';
import type { BackgroundCheckpoints } from '../../adapters/sqlite/background-checkpoints.ts';
import { withStatementCache } from '../../adapters/sqlite/statement-cache.ts';
import { KyselyReplicaStore } from './kysely-replica-store.ts';
import { migrateReplica } from './replica-migrations.ts';
import type { ReplicaStore } from './replica-store.ts';
import type { ReplicaTables } from './replica-tables.ts';

/** A SQLite database behind a kysely dialect. */
export interface ReplicaStorage {
  readonly dialect: Dialect;
  /** Told after every transaction that committed (for instance, to checkpoint elsewhere). */
  readonly afterCommit?: () => void;
  /** Releases what the storage holds besides the dialect's connection, after it is closed. */
  readonly close?: () => Promise<void>;
}

/** A replica's better-sqlite3 file, as `sqliteFileStorage` opens it. */
export interface SqliteFileStorage extends ReplicaStorage {
  /** The thread that checkpoints the file's WAL, once the file is open (tests). */
  readonly checkpoints: () => BackgroundCheckpoints | undefined;
}

/**
 * A better-sqlite3 database at `path` (`':memory:'` for one that lives as long as the replica).
 * A file is opened in WAL mode with full synchronous commits: a commit that returned survives a
 * killed process and a power cut. Its WAL is copied back into the file on a thread of its own
 * (`src/adapters/sqlite/background-checkpoints.ts`, as the server's log does), nudged after
 * every commit: a snapshot page writes some 4 MiB, and SQLite's own checkpoint would copy it on
 * the thread that reads and writes the next pages (0.3-0.5 s of a bootstrap of 100,000
 * documents). Its statements are prepared once per SQL text
 * (`src/adapters/sqlite/statement-cache.ts`, shared with the log). better-sqlite3 and the
 * worker are loaded only when the database is opened, so an app that plugs in its own dialect
 * never loads them.
 */
export const sqliteFileStorage = (path: string): SqliteFileStorage => {
  let checkpoints: BackgroundCheckpoints | undefined;
  return {
    dialect: new SqliteDialect({
      database: async () => {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(path);
        if (path !== ':memory:') db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        db.pragma('busy_timeout = 5000');
        if (path !== ':memory:') {
          const background = await import('../../adapters/sqlite/background-checkpoints.ts');
          checkpoints = new background.BackgroundCheckpoints(path, db);
        }
        return withStatementCache(db);
      },
    }),
    afterCommit: () => checkpoints?.nudge(),
    close: async () => {
      await checkpoints?.close();
    },
    checkpoints: () => checkpoints,
  };
};

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
    await storage.close?.();
    throw error;
  }
  return {
    store: new KyselyReplicaStore(db, undefined, undefined, storage.afterCommit),
    close: async () => {
      await db.destroy();
      await storage.close?.();
    },
  };
};
