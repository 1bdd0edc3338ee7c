/** The head of the log: the position of its last op. */
import type { Kysely } from 'kysely';
import type { LogTables } from './log-tables.ts';

/**
 * The position of the last op in the log (0 when empty). Positions are contiguous from 1 and
 * commit in order, so every position up to the head is committed when the head is.
 */
export const headPosition = async (db: Kysely<LogTables>): Promise<number> => {
  const row = await db
    .selectFrom('ops')
    .select((eb) => eb.fn.max('position').as('head'))
    .executeTakeFirst();
  return row?.head === null || row?.head === undefined ? 0 : Number(row.head);
};
