/**
 * Renewing a log's epoch (DESIGN.md section 4, "Cursors"; PROTOCOL.md, `409 reset_required`).
 * A log restored from a backup has lost the ops after the backup, and would give their positions
 * to new ops: a device holding a cursor from before the restore would then skip those new ops
 * without a word. A new epoch makes every cursor handed out before it `reset_required`, so each
 * device bootstraps again.
 *
 * Invariants:
 * 1. A copy made by `immune-sync backup` carries the `restored_copy` mark; the first open of
 *    that copy renews its epoch and removes the mark, before it serves anything (alone among
 *    instances starting together: `LogDialect.exclusively`). The original log, which never
 *    holds the mark, keeps its epoch.
 * 2. The renewal changes the epoch only: the cursor secret, the ops, their hash chains and the
 *    projections stay as they are.
 * 3. The epoch also derives the append lock's key and the heads channel (`log-identity.ts`): it
 *    is renewed only at open or with every server of the log stopped (`immune-sync new-epoch`).
 */
import type { Kysely } from 'kysely';
import type { LogDialect } from './log-dialect.ts';
import type { LogTables } from './log-tables.ts';
import { freshEpoch, META_EPOCH } from './migrations.ts';

/** The `log_meta` key that marks a copy as a restored backup (invariant 1). */
export const META_RESTORED_COPY = 'restored_copy';

/** Gives the log a new epoch, and drops the restored-copy mark; the new epoch. */
export const renewEpoch = (db: Kysely<LogTables>): Promise<string> =>
  db.transaction().execute(async (trx) => {
    const epoch = freshEpoch();
    await trx.updateTable('log_meta').set({ value: epoch }).where('key', '=', META_EPOCH).execute();
    await trx.deleteFrom('log_meta').where('key', '=', META_RESTORED_COPY).execute();
    return epoch;
  });

/** Marks a copy of a log as a backup, whose first open renews its epoch (invariant 1). */
export const markAsBackup = async (db: Kysely<LogTables>, madeAt: Date): Promise<void> => {
  await db
    .insertInto('log_meta')
    .values({ key: META_RESTORED_COPY, value: madeAt.toISOString() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: madeAt.toISOString() }))
    .execute();
};

/** Renews the epoch of a restored copy (invariant 1); true when it did. */
export const adoptRestoredCopy = (db: Kysely<LogTables>, dialect: LogDialect): Promise<boolean> =>
  dialect.exclusively(async () => {
    const mark = await db
      .selectFrom('log_meta')
      .select('value')
      .where('key', '=', META_RESTORED_COPY)
      .executeTakeFirst();
    if (mark === undefined) return false;
    await renewEpoch(db);
    return true;
  });
