/**
 * The read permission of the rows that follow a patient (its immunization records and
 * notifications, APPWRITE.md section 5) after the patient moves to another facility.
 *
 * A transfer's transaction cannot rewrite every follower row: a patient's records are unbounded
 * and a transaction holds at most 100 operations. So the rows are rewritten after the commit,
 * as the functions' fan-out does (`commit-fanout.ts`), before the append answers.
 *
 * Invariants:
 * 1. Only `$permissions` change: the log's columns stay the fold of the log.
 * 2. The rewrite is idempotent and derived from the patient's row as committed, so running it
 *    again (a retried push, `replay`) converges. Until it has run, a follower row stays readable
 *    by the facility the patient left (the log's own reads are not affected: they follow the
 *    visibility rows and the patient's row).
 */
import { Query } from 'node-appwrite';
import { readPermissions } from '../document-rows.ts';
import type { LogStore } from './log-store.ts';
import { documentOfRow } from './projected-documents.ts';

const FOLLOWERS = ['immunization_records', 'notifications'] as const;

const samePermissions = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Gives the followers of each patient the read permission of the patient's facilities now. */
export const refreshFollowers = async (
  store: LogStore,
  patientIds: readonly string[],
): Promise<void> => {
  for (const patientId of patientIds) {
    const patient = await store.get('patients', patientId);
    if (patient === undefined) continue;
    const permissions = readPermissions(documentOfRow('patients', patient).facilities);
    for (const tableId of FOLLOWERS) {
      const rows = await store.all(tableId, [
        Query.equal('patientId', patientId),
        Query.isNotNull('syncState'),
      ]);
      for (const row of rows) {
        if (samePermissions(row.$permissions, permissions)) continue;
        await store.tablesDb.updateRow({
          databaseId: store.databaseId,
          tableId,
          rowId: row.$id,
          permissions,
        });
      }
    }
  }
};
