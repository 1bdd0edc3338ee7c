/**
 * The append primitive of the operation log on TablesDB (APPWRITE.md section 3): one
 * transaction stages an update of the single `sync_log_head` row (the next position), then the
 * rows an append writes (ops, projections, visibility...), and commits. Concurrent appenders all
 * change the head row, so all but one fail with `transaction_conflict` and retry from the new
 * head: positions are assigned in commit order, with no gap and no reuse, and never from
 * `$sequence`.
 *
 * Invariants:
 * 1. The head update is staged first, and the committed head is read again after staging: if
 *    it moved in between, the attempt is rolled back and retried, so that every commit that
 *    could interleave is one that changes the head after the staging time, which Appwrite
 *    refuses with `transaction_conflict`.
 * 2. A transaction holds at most `operationLimit` operations (100 on self-hosted and the free
 *    plan), the head update included; a plan that needs more is a bug of the caller, which
 *    appends in chunks (each chunk all or nothing; a batch answers only once every chunk is in,
 *    and a retried batch gets the same answers, since appends are idempotent by dot).
 * 3. After `maxAttempts` conflicts in a row the append gives up with `HeadContention`, which the
 *    service answers with `503 unavailable` (retry with backoff).
 */
import { ID, type TablesDB } from 'node-appwrite';
import { hasAppwriteStatus, isAppwriteError } from './appwrite-connection.ts';

/** The head table and its one row. */
export const LOG_HEAD_TABLE = 'sync_log_head';
export const LOG_HEAD_ROW = 'head';

/** One row write of an append, staged in its transaction. */
export interface StagedWrite {
  readonly action: 'create' | 'upsert' | 'update';
  readonly tableId: string;
  readonly rowId: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly permissions?: readonly string[];
}

/** What an append plans from the head it starts at. */
export interface AppendPlan<T> {
  /** Positions the append takes: the head becomes `head + positions`. */
  readonly positions: number;
  readonly writes: readonly StagedWrite[];
  readonly result: T;
}

/** Too many concurrent appenders: the caller answers `unavailable`. */
export class HeadContention extends Error {
  constructor(attempts: number) {
    super(`the log head stayed contended for ${attempts} attempts`);
    this.name = 'HeadContention';
  }
}

/** Options of `appendUnderHead`. */
export interface HeadOptions {
  readonly operationLimit?: number;
  readonly maxAttempts?: number;
}

/** Creates the head row at position 0 if it does not exist (the log's first start). */
export const ensureLogHead = async (
  tablesDb: TablesDB,
  databaseId: string,
  identity: { readonly epoch: string; readonly secret: string },
): Promise<void> => {
  try {
    await tablesDb.createRow({
      databaseId,
      tableId: LOG_HEAD_TABLE,
      rowId: LOG_HEAD_ROW,
      data: { position: 0, epoch: identity.epoch, secret: identity.secret },
    });
  } catch (error) {
    if (!isAppwriteError(error, 'row_already_exists')) throw error;
  }
};

/** The committed head position. */
export const readHead = async (tablesDb: TablesDB, databaseId: string): Promise<number> => {
  const row = await tablesDb.getRow({ databaseId, tableId: LOG_HEAD_TABLE, rowId: LOG_HEAD_ROW });
  const position = Number(row.position);
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new Error(`the log head holds ${String(row.position)}, not a position`);
  }
  return position;
};

/** A duplicate found at staging or at commit, or a row changed since its staging. */
const isConflict = (error: unknown): boolean =>
  isAppwriteError(error, 'transaction_conflict') || hasAppwriteStatus(error, 409);

/** Stages the writes (the head update is already staged) and commits. */
const stageAndCommit = async (
  tablesDb: TablesDB,
  databaseId: string,
  transactionId: string,
  writes: readonly StagedWrite[],
): Promise<void> => {
  if (writes.length > 0) {
    await tablesDb.createOperations({
      transactionId,
      operations: writes.map((w) => ({
        action: w.action,
        databaseId,
        tableId: w.tableId,
        rowId: w.rowId === 'unique()' ? ID.unique() : w.rowId,
        data: w.data,
        ...(w.permissions === undefined ? {} : { permissions: [...w.permissions] }),
      })),
    });
  }
  await tablesDb.updateTransaction({ transactionId, commit: true });
};

const pause = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));

/**
 * Runs `plan` on the current head and commits its writes with the head's update in one
 * transaction, retrying on conflict (see the module's invariants). Returns the new head and the
 * plan's result of the attempt that committed.
 */
export const appendUnderHead = async <T>(
  tablesDb: TablesDB,
  databaseId: string,
  plan: (head: number) => Promise<AppendPlan<T>>,
  options: HeadOptions = {},
): Promise<{ readonly head: number; readonly result: T }> => {
  const limit = options.operationLimit ?? 100;
  const maxAttempts = options.maxAttempts ?? 30;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const head = await readHead(tablesDb, databaseId);
    const planned = await plan(head);
    if (planned.writes.length + 1 > limit) {
      throw new Error(`bug: an append of ${planned.writes.length} writes exceeds ${limit - 1}`);
    }
    const next = head + planned.positions;
    const transaction = await tablesDb.createTransaction({ ttl: 60 });
    const transactionId = transaction.$id;
    await tablesDb.createOperations({
      transactionId,
      operations: [
        {
          action: 'update',
          databaseId,
          tableId: LOG_HEAD_TABLE,
          rowId: LOG_HEAD_ROW,
          data: { position: next },
        },
      ],
    });
    if ((await readHead(tablesDb, databaseId)) !== head) {
      await tablesDb.updateTransaction({ transactionId, rollback: true });
      await pause(attempt);
      continue;
    }
    try {
      await stageAndCommit(tablesDb, databaseId, transactionId, planned.writes);
      return { head: next, result: planned.result };
    } catch (error) {
      // Whatever failed, the transaction is not left pending until its TTL (best effort: one
      // that failed at commit, or that Appwrite already ended, refuses the rollback).
      await tablesDb.updateTransaction({ transactionId, rollback: true }).catch(() => undefined);
      if (!isConflict(error)) throw error;
      await pause(attempt);
    }
  }
  throw new HeadContention(maxAttempts);
};
