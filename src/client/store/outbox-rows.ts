/**
 * The `outbox` and `rejections` tables: this device's ops until the server has logged them back,
 * and the ones it rejected, with their reasons. Functions over a kysely handle (a database or a
 * transaction), used by `KyselyReplicaStore`.
 */
import { type Kysely, sql } from 'kysely';
import { encodeOperation, type Operation } from '../../domain/operation.ts';
import { inChunks, MAX_PARAMETERS } from './parameter-chunks.ts';
import {
  type AnsweredOp,
  type DocKey,
  docKeyText,
  idsByCollection,
  type OutboxEntry,
  type OutboxSummary,
  type Rejection,
} from './replica-store.ts';
import type { ReplicaTables } from './replica-tables.ts';
import { readLoggedOp, readOpError, readOperation } from './stored-json.ts';

/** An entry read from its row; its op is decoded when first asked for (settling reads many
 * entries only to learn that their ops have come back logged, which their seqs tell). */
const outboxEntryOf = (row: {
  readonly seq: number;
  readonly op: string;
  readonly created_at: number;
  readonly acked_cursor: string | null;
}): OutboxEntry => {
  let op: Operation | undefined;
  const text = row.op;
  return {
    seq: row.seq,
    get op(): Operation {
      op ??= readOperation(text);
      return op;
    },
    createdAt: row.created_at,
    ackedCursor: row.acked_cursor,
  };
};

/** Appends an op to the outbox. */
export const addToOutbox = async (db: Kysely<ReplicaTables>, entry: OutboxEntry): Promise<void> => {
  await db
    .insertInto('outbox')
    .values({
      seq: entry.op.seq,
      collection: entry.op.collection,
      doc_id: entry.op.docId,
      op: JSON.stringify(encodeOperation(entry.op)),
      created_at: entry.createdAt,
      acked_cursor: entry.ackedCursor,
    })
    .execute();
};

/** Outbox ops from `fromSeq` on, in seq order, at most `limit`. */
export const outboxFrom = async (
  db: Kysely<ReplicaTables>,
  fromSeq: number,
  limit: number,
): Promise<readonly OutboxEntry[]> => {
  const rows = await db
    .selectFrom('outbox')
    .select(['seq', 'op', 'created_at', 'acked_cursor'])
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(outboxEntryOf);
};

/** The lowest seq the server has not answered. */
export const firstUnanswered = async (db: Kysely<ReplicaTables>): Promise<number | undefined> => {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min<number | null>('seq').as('seq'))
    .where('acked_cursor', 'is', null)
    .executeTakeFirst();
  return row?.seq ?? undefined;
};

/** Outbox ops of one document, in seq order. */
export const pendingOf = async (
  db: Kysely<ReplicaTables>,
  key: DocKey,
): Promise<readonly OutboxEntry[]> => {
  const rows = await db
    .selectFrom('outbox')
    .select(['seq', 'op', 'created_at', 'acked_cursor'])
    .where('collection', '=', key.collection)
    .where('doc_id', '=', key.docId)
    .orderBy('seq')
    .execute();
  return rows.map(outboxEntryOf);
};

/** Outbox ops of each of `keys` that has some, in seq order, by `docKeyText`. */
export const pendingOfDocuments = async (
  db: Kysely<ReplicaTables>,
  keys: readonly DocKey[],
): Promise<ReadonlyMap<string, readonly OutboxEntry[]>> => {
  const pending = new Map<string, OutboxEntry[]>();
  for (const [collection, docIds] of idsByCollection(keys)) {
    for (const part of inChunks(docIds)) {
      const rows = await db
        .selectFrom('outbox')
        .select(['doc_id', 'seq', 'op', 'created_at', 'acked_cursor'])
        .where('collection', '=', collection)
        .where('doc_id', 'in', part)
        .orderBy('seq')
        .execute();
      for (const row of rows) {
        const text = docKeyText({ collection, docId: row.doc_id });
        const entries = pending.get(text);
        if (entries === undefined) pending.set(text, [outboxEntryOf(row)]);
        else entries.push(outboxEntryOf(row));
      }
    }
  }
  return pending;
};

/** Of `keys`, those with ops in the outbox, by `docKeyText`. */
export const pendingKeys = async (
  db: Kysely<ReplicaTables>,
  keys: readonly DocKey[],
): Promise<ReadonlySet<string>> => {
  const pending = new Set<string>();
  for (const [collection, docIds] of idsByCollection(keys)) {
    for (const part of inChunks(docIds)) {
      const rows = await db
        .selectFrom('outbox')
        .select('doc_id')
        .distinct()
        .where('collection', '=', collection)
        .where('doc_id', 'in', part)
        .execute();
      for (const row of rows) pending.add(docKeyText({ collection, docId: row.doc_id }));
    }
  }
  return pending;
};

/** Seqs answered `accepted`/`duplicate` and not yet pulled back. */
export const answeredSeqs = async (db: Kysely<ReplicaTables>): Promise<readonly number[]> => {
  const rows = await db
    .selectFrom('outbox')
    .select('seq')
    .where('acked_cursor', 'is not', null)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.seq);
};

/**
 * Notes the cursors of answered ops, a few hundred in one statement (`CASE seq WHEN ... END`:
 * three parameters an op) instead of one statement an op: a push answers 500 at once.
 */
export const markAnswered = async (
  db: Kysely<ReplicaTables>,
  answers: readonly AnsweredOp[],
): Promise<void> => {
  for (const part of inChunks(answers, Math.floor(MAX_PARAMETERS / 3))) {
    const cases = part.map((a) => sql`when ${a.seq} then ${a.cursor}`);
    await db
      .updateTable('outbox')
      .set({ acked_cursor: sql<string>`case seq ${sql.join(cases, sql` `)} end` })
      .where(
        'seq',
        'in',
        part.map((a) => a.seq),
      )
      .execute();
  }
};

/** Removes ops from the outbox. */
export const removeFromOutbox = async (
  db: Kysely<ReplicaTables>,
  seqs: readonly number[],
): Promise<void> => {
  for (const part of inChunks(seqs)) {
    await db.deleteFrom('outbox').where('seq', 'in', part).execute();
  }
};

/** The number of unanswered ops and the time of the oldest. */
export const outboxSummary = async (db: Kysely<ReplicaTables>): Promise<OutboxSummary> => {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [
      eb.fn.countAll<number>().as('count'),
      eb.fn.min<number | null>('created_at').as('oldest'),
    ])
    .where('acked_cursor', 'is', null)
    .executeTakeFirst();
  return { unanswered: Number(row?.count ?? 0), oldestCreatedAt: row?.oldest ?? null };
};

/** This device's ops by seq, from the outbox, the rejections or the logged ops. */
export const heldOwnOps = async (
  db: Kysely<ReplicaTables>,
  deviceId: string,
  seqs: readonly number[],
): Promise<ReadonlyMap<number, Operation>> => {
  const found = new Map<number, Operation>();
  for (const part of inChunks(seqs)) {
    const outbox = await db.selectFrom('outbox').select('op').where('seq', 'in', part).execute();
    const rejected = await db
      .selectFrom('rejections')
      .select('op')
      .where('seq', 'in', part)
      .execute();
    const logged = await db
      .selectFrom('logged_ops')
      .select('op')
      .where('device_id', '=', deviceId)
      .where('seq', 'in', part)
      .execute();
    for (const row of [...outbox, ...rejected]) {
      const op = readOperation(row.op);
      found.set(op.seq, op);
    }
    for (const row of logged) {
      const op = readLoggedOp(row.op);
      if (!found.has(op.seq)) found.set(op.seq, op);
    }
  }
  return found;
};

/** Keeps a rejected op with its reason; false when that seq was kept already. */
export const addRejection = async (
  db: Kysely<ReplicaTables>,
  rejection: Rejection,
): Promise<boolean> => {
  const result = await db
    .insertInto('rejections')
    .values({
      seq: rejection.op.seq,
      collection: rejection.op.collection,
      doc_id: rejection.op.docId,
      op: JSON.stringify(encodeOperation(rejection.op)),
      error: JSON.stringify(rejection.error),
      rejected_at: rejection.rejectedAt,
    })
    .onConflict((oc) => oc.column('seq').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
};

/** Every rejected op, by seq. */
export const readRejections = async (db: Kysely<ReplicaTables>): Promise<readonly Rejection[]> => {
  const rows = await db.selectFrom('rejections').selectAll().orderBy('seq').execute();
  return rows.map((row) => ({
    op: readOperation(row.op),
    error: readOpError(row.error),
    rejectedAt: row.rejected_at,
  }));
};
