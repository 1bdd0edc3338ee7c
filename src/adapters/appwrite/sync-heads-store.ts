/**
 * The `sync_heads` table: one row per facility holding the log's head as that facility last saw
 * it change (DESIGN.md section 5, Realtime; APPWRITE.md section 4). Apps subscribe with
 * Appwrite's SDK to `databases.<db>.tables.sync_heads.rows.<facilityId>`; every update is a
 * poke, and the app pulls. Each row is readable by its facility's team only; the row of
 * reference data (scope `*`, row `EVERYONE_ROW`) by every signed-in user.
 */
import { Permission, Role, type TablesDB } from 'node-appwrite';
import { ALL_FACILITIES } from '../../domain/principal.ts';
import { SYNC_HEADS_TABLE } from './appwrite-schema.ts';

/** The row of scope `*` (facilities, vaccines): changes every facility can read. */
export const EVERYONE_ROW = 'everyone';

/** Writes facilities' heads. */
export interface SyncHeadsStore {
  /** Sets the head of each facility (`*` for reference data) to `head`. */
  publish(facilities: readonly string[], head: string): Promise<void>;
}

/** The row id and the read permission of a facility's heads row. */
export const headsRowOf = (
  facility: string,
): { readonly rowId: string; readonly permissions: readonly string[] } =>
  facility === ALL_FACILITIES
    ? { rowId: EVERYONE_ROW, permissions: [Permission.read(Role.users())] }
    : { rowId: facility, permissions: [Permission.read(Role.team(facility))] };

/** The store on TablesDB: one `upsertRow` per facility (each a Realtime event). */
export const tablesDbSyncHeads = (tablesDb: TablesDB, databaseId: string): SyncHeadsStore => ({
  publish: async (facilities, head) => {
    for (const facility of new Set(facilities)) {
      const { rowId, permissions } = headsRowOf(facility);
      await tablesDb.upsertRow({
        databaseId,
        tableId: SYNC_HEADS_TABLE.id,
        rowId,
        data: { facilityId: facility, head },
        permissions: [...permissions],
      });
    }
  },
});
