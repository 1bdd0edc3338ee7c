/**
 * Backing up an SQLite log while it serves (`immune-sync backup`): SQLite's online backup copies
 * a consistent state of the file (the committed transactions, none half), in one read snapshot,
 * while appends go on. The copy is marked as a backup (`epoch.ts`), so that a server restored from it
 * gives it a new epoch at its first open, and no device's cursor from before the restore is
 * misread. The copy is written beside its destination and renamed into place, so an interrupted
 * backup never leaves a file that looks whole.
 */
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { markAsBackup } from '../../log/epoch.ts';
import type { LogTables } from '../../log/log-tables.ts';

/** Copies the log at `source` to `destination` (which must not exist) and marks the copy. */
export const backupSqliteLog = async (
  source: string,
  destination: string,
  now: Date = new Date(),
): Promise<void> => {
  if (!existsSync(source)) throw new Error(`no SQLite log at ${source}`);
  if (existsSync(destination)) throw new Error(`${destination} exists already: give a new file`);
  const partial = `${destination}.partial`;
  await rm(partial, { force: true });
  const original = new Database(source, { fileMustExist: true });
  try {
    // Every page in one step (after the first, which only counts them): between steps, a commit
    // of the serving process restarts the copy from its start, and a steady stream of pushes
    // could restart it forever. One step reads one snapshot, which WAL readers never block on.
    await original.backup(partial, { progress: () => 0x7fffffff });
  } finally {
    original.close();
  }
  try {
    const db = new Kysely<LogTables>({
      dialect: new SqliteDialect({ database: new Database(partial) }),
    });
    try {
      await markAsBackup(db, now);
    } finally {
      await db.destroy();
    }
    await rename(partial, destination);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
};
