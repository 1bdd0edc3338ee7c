/**
 * `ReplicaStore` over kysely: one implementation for every SQLite driver that has a kysely
 * dialect. The queries live beside it, one file per table group (`document-rows.ts`,
 * `outbox-rows.ts`, `logged-op-rows.ts`); writes go through `transaction`, which kysely runs on
 * one connection.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type Kysely, sql } from 'kysely';
import type { Dot } from '../../domain/ids.ts';
import type { LoggedOp, Operation } from '../../domain/operation.ts';
import { CompiledInserts } from '../../log/compiled-inserts.ts';
import {
  deleteDocument,
  documentKeysBefore,
  markDocumentsStale,
  readDocument,
  readDocuments,
  readIncompleteKeys,
  readView,
  readViews,
  staleDocumentKeys,
  writeDocument,
  writeDocuments,
  writeSnapshotBases,
} from './document-rows.ts';
import { addLoggedOps, forgetLoggedOpsBefore, knownDots, readLoggedOps } from './logged-op-rows.ts';
import {
  addRejection,
  addToOutbox,
  answeredSeqs,
  firstUnanswered,
  heldOwnOps,
  markAnswered,
  outboxFrom,
  outboxSummary,
  pendingKeys,
  pendingOf,
  pendingOfDocuments,
  readRejections,
  removeFromOutbox,
} from './outbox-rows.ts';
import { decodeMeta, encodeMeta, META_KEY, type ReplicaMeta } from './replica-meta.ts';
import type {
  AnsweredOp,
  DocKey,
  OutboxEntry,
  OutboxSummary,
  Rejection,
  ReplicaStore,
  SnapshotBase,
  StoredDocument,
  ViewRow,
} from './replica-store.ts';
import type { ReplicaTables } from './replica-tables.ts';
import { CorruptReplicaError, KEPT_LOGGED_OPS, ReadTexts, readLoggedOp } from './stored-json.ts';

/** SQLite's `synchronous` level NORMAL. */
const SYNCHRONOUS_NORMAL = 1;

/** A `ReplicaStore` on a kysely handle (a database, or a transaction inside `transaction`). */
export class KyselyReplicaStore implements ReplicaStore {
  readonly #db: Kysely<ReplicaTables>;

  /** The compiled inserts of this database, shared by the stores of its transactions. */
  readonly #inserts: CompiledInserts;

  /** The logged ops read from this database, shared by the stores of its transactions. */
  readonly #loggedOps: ReadTexts<LoggedOp>;

  /** Told after each transaction of this store commits (`ReplicaStorage.afterCommit`). */
  readonly #afterCommit: () => void;

  constructor(
    db: Kysely<ReplicaTables>,
    inserts: CompiledInserts = new CompiledInserts(),
    loggedOps: ReadTexts<LoggedOp> = new ReadTexts(readLoggedOp, KEPT_LOGGED_OPS),
    afterCommit: () => void = () => {},
  ) {
    this.#db = db;
    this.#inserts = inserts;
    this.#loggedOps = loggedOps;
    this.#afterCommit = afterCommit;
  }

  async transaction<A>(
    fn: (store: ReplicaStore) => Promise<A>,
    options?: { readonly refetchable?: boolean },
  ): Promise<A> {
    if (this.#db.isTransaction) return fn(this);
    const run = async (): Promise<A> => {
      const result = await this.#db
        .transaction()
        .execute((trx) => fn(new KyselyReplicaStore(trx, this.#inserts, this.#loggedOps)));
      this.#afterCommit();
      return result;
    };
    if (options?.refetchable !== true) return run();
    // SQLite in WAL mode: `synchronous = NORMAL` commits atomically without waiting for the
    // disk; the next FULL commit syncs the log up to and including this one.
    const before = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(this.#db);
    const level = before.rows[0]?.synchronous;
    if (level === undefined || !Number.isInteger(level) || level <= SYNCHRONOUS_NORMAL) {
      return run();
    }
    await sql`PRAGMA synchronous = NORMAL`.execute(this.#db);
    try {
      return await run();
    } finally {
      await sql.raw(`PRAGMA synchronous = ${level}`).execute(this.#db);
    }
  }

  async meta(): Promise<ReplicaMeta | undefined> {
    const row = await this.#db
      .selectFrom('replica_meta')
      .select('value')
      .where('key', '=', META_KEY)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const decoded = decodeMeta(row.value);
    if (E.isLeft(decoded)) throw new CorruptReplicaError('meta', decoded.left);
    return decoded.right;
  }

  async saveMeta(meta: ReplicaMeta): Promise<void> {
    await this.#db
      .insertInto('replica_meta')
      .values({ key: META_KEY, value: encodeMeta(meta) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: encodeMeta(meta) }))
      .execute();
  }

  document(key: DocKey): Promise<StoredDocument | undefined> {
    return readDocument(this.#db, key);
  }

  documents(keys: readonly DocKey[]): Promise<ReadonlyMap<string, StoredDocument>> {
    return readDocuments(this.#db, keys);
  }

  incompleteDocuments(keys: readonly DocKey[]): Promise<ReadonlySet<string>> {
    return readIncompleteKeys(this.#db, keys);
  }

  putDocument(doc: StoredDocument): Promise<void> {
    return writeDocument(this.#db, doc, this.#inserts);
  }

  putDocuments(docs: readonly StoredDocument[]): Promise<void> {
    return writeDocuments(this.#db, docs, this.#inserts);
  }

  putSnapshotBases(bases: readonly SnapshotBase[]): Promise<void> {
    return writeSnapshotBases(this.#db, bases, this.#inserts);
  }

  deleteDocument(key: DocKey): Promise<void> {
    return deleteDocument(this.#db, key);
  }

  documentsBefore(generation: number): Promise<readonly DocKey[]> {
    return documentKeysBefore(this.#db, generation);
  }

  staleDocuments(): Promise<readonly DocKey[]> {
    return staleDocumentKeys(this.#db);
  }

  markStale(keys: readonly DocKey[]): Promise<void> {
    return markDocumentsStale(this.#db, keys);
  }

  view(key: DocKey): Promise<ViewRow | undefined> {
    return readView(this.#db, key);
  }

  views(collection: DocKey['collection']): Promise<readonly ViewRow[]> {
    return readViews(this.#db, collection);
  }

  addToOutbox(entry: OutboxEntry): Promise<void> {
    return addToOutbox(this.#db, entry);
  }

  outboxFrom(fromSeq: number, limit: number): Promise<readonly OutboxEntry[]> {
    return outboxFrom(this.#db, fromSeq, limit);
  }

  firstUnanswered(): Promise<number | undefined> {
    return firstUnanswered(this.#db);
  }

  pendingOf(key: DocKey): Promise<readonly OutboxEntry[]> {
    return pendingOf(this.#db, key);
  }

  pendingKeys(keys: readonly DocKey[]): Promise<ReadonlySet<string>> {
    return pendingKeys(this.#db, keys);
  }

  pendingOfDocuments(
    keys: readonly DocKey[],
  ): Promise<ReadonlyMap<string, readonly OutboxEntry[]>> {
    return pendingOfDocuments(this.#db, keys);
  }

  answeredSeqs(): Promise<readonly number[]> {
    return answeredSeqs(this.#db);
  }

  markAnswered(answers: readonly AnsweredOp[]): Promise<void> {
    return markAnswered(this.#db, answers);
  }

  removeFromOutbox(seqs: readonly number[]): Promise<void> {
    return removeFromOutbox(this.#db, seqs);
  }

  outboxSummary(): Promise<OutboxSummary> {
    return outboxSummary(this.#db);
  }

  ownOps(deviceId: string, seqs: readonly number[]): Promise<ReadonlyMap<number, Operation>> {
    return heldOwnOps(this.#db, deviceId, seqs);
  }

  addRejection(rejection: Rejection): Promise<boolean> {
    return addRejection(this.#db, rejection);
  }

  rejections(): Promise<readonly Rejection[]> {
    return readRejections(this.#db);
  }

  knownDots(dots: readonly Dot[], generation: number): Promise<ReadonlySet<string>> {
    return knownDots(this.#db, dots, generation);
  }

  loggedOps(key: DocKey, generation: number): Promise<readonly LoggedOp[]> {
    return readLoggedOps(this.#db, key, generation, this.#loggedOps);
  }

  addLoggedOps(ops: readonly LoggedOp[], generation: number): Promise<void> {
    return addLoggedOps(this.#db, ops, generation);
  }

  forgetLoggedOpsBefore(generation: number, ownDeviceId: string): Promise<void> {
    return forgetLoggedOpsBefore(this.#db, generation, ownDeviceId);
  }
}
