/**
 * The `users` table as the authenticator reads it: a user's row, by the user's id (the row's
 * `$id` is the Appwrite user id). DESIGN.md section 6, PROTOCOL.md Authentication.
 */
import type { TablesDB } from 'node-appwrite';
import { isAppwriteError } from './appwrite-connection.ts';
import { columnsOf } from './appwrite-row.ts';
import { USERS_TABLE } from './appwrite-schema.ts';

/** What the lookup found: the row's columns as stored, or nothing. */
export type UserRow =
  | { readonly found: true; readonly columns: Readonly<Record<string, unknown>> }
  | { readonly found: false };

/** Reads users' rows; a failure to reach the store rejects the promise. */
export interface UserDirectory {
  userRow(userId: string): Promise<UserRow>;
}

/** The directory on a TablesDB database: `getRow` on the `users` table. */
export const tablesDbUserDirectory = (tablesDb: TablesDB, databaseId: string): UserDirectory => ({
  userRow: async (userId) => {
    try {
      const row = await tablesDb.getRow({ databaseId, tableId: USERS_TABLE.id, rowId: userId });
      return { found: true, columns: columnsOf(row) };
    } catch (error) {
      // A missing table or database is a deployment fault, not an unknown user: it throws.
      if (isAppwriteError(error, 'row_not_found')) return { found: false };
      throw error;
    }
  },
});
