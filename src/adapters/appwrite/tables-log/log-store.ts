/**
 * The reads of the TablesDB log (APPWRITE.md section 3): rows by id, and lists with Appwrite's
 * JSON queries, paged by `cursorAfter` with an explicit limit (the default is 25), and with
 * `equal` over many values split so that each query stays under 4,096 characters.
 *
 * Invariants:
 * 1. Reads never use `$sequence` (it can commit out of order): positions are the log's own
 *    `position`/`atPosition` columns.
 * 2. A list that asks for every row pages until a short page, so nothing is cut at 25 or 5000.
 */
import { type Models, Query, type TablesDB } from 'node-appwrite';
import { isAppwriteError } from '../appwrite-connection.ts';

/** Rows per list request (Appwrite's largest page). */
export const LIST_PAGE = 5000;

/** Values of one `equal` query: at most 36 characters each, so a query stays under 4,096. */
const EQUAL_CHUNK = 80;

/** Splits values for `equal` queries. */
export const equalChunks = <T>(values: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += EQUAL_CHUNK) out.push(values.slice(i, i + EQUAL_CHUNK));
  return out;
};

/** One database of TablesDB, as the log reads it. */
export class LogStore {
  readonly tablesDb: TablesDB;
  readonly databaseId: string;

  constructor(tablesDb: TablesDB, databaseId: string) {
    this.tablesDb = tablesDb;
    this.databaseId = databaseId;
  }

  /** A row, or undefined when it does not exist. */
  async get(tableId: string, rowId: string): Promise<Models.DefaultRow | undefined> {
    try {
      return await this.tablesDb.getRow({ databaseId: this.databaseId, tableId, rowId });
    } catch (error) {
      if (isAppwriteError(error, 'row_not_found')) return undefined;
      throw error;
    }
  }

  /** One page of rows (`queries` carry the filters and orders; the limit is added). */
  async page(
    tableId: string,
    queries: readonly string[],
    limit: number,
    after?: string,
  ): Promise<readonly Models.DefaultRow[]> {
    const list = await this.tablesDb.listRows({
      databaseId: this.databaseId,
      tableId,
      queries: [
        ...queries,
        Query.limit(limit),
        ...(after === undefined ? [] : [Query.cursorAfter(after)]),
      ],
    });
    return list.rows;
  }

  /** Every row that the queries select, in their order (see invariant 2). */
  async all(tableId: string, queries: readonly string[]): Promise<Models.DefaultRow[]> {
    const rows: Models.DefaultRow[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.page(tableId, queries, LIST_PAGE, after);
      rows.push(...page);
      const last = page.at(-1);
      if (page.length < LIST_PAGE || last === undefined) return rows;
      after = last.$id;
    }
  }

  /** Every row whose `column` equals one of `values` (and that `queries` select). */
  async allWhereIn(
    tableId: string,
    column: string,
    values: readonly (string | number)[],
    queries: readonly string[] = [],
  ): Promise<Models.DefaultRow[]> {
    const rows: Models.DefaultRow[] = [];
    for (const part of equalChunks([...new Set(values)])) {
      rows.push(...(await this.all(tableId, [Query.equal(column, part), ...queries])));
    }
    return rows;
  }
}
