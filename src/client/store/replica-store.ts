/**
 * What a replica needs of its storage. `KyselyReplicaStore` implements it over any kysely
 * SQLite dialect (better-sqlite3 in Node; a React Native driver's dialect on a phone); tests may
 * hand in a stand-in.
 *
 * Invariants:
 * 1. Everything written inside one `transaction` is durable together or not at all. A
 *    `refetchable` transaction is atomic too, but a power cut (never a killed process) may undo
 *    it after it returned: it is for writes the replica can fetch again (a snapshot page and
 *    the bootstrap's progress), and a later durable transaction makes it durable as well.
 * 2. Reads outside a transaction see only committed data.
 * 3. Stored JSON is decoded through the domain's codecs on the way out; a row that does not
 *    decode is a bug (or a damaged file) and throws.
 */
import type { CollectionName, DocumentData } from '../../domain/collection.ts';
import type { OpError } from '../../domain/errors.ts';
import type { Dot } from '../../domain/ids.ts';
import type { LoggedOp, Operation } from '../../domain/operation.ts';
import type { DocumentState } from '../../projections/document-state.ts';
import type { MaterializedDocument } from '../../projections/materialize.ts';
import type { ReplicaMeta } from './replica-meta.ts';

/** A document's address. */
export interface DocKey {
  readonly collection: CollectionName;
  readonly docId: string;
}

/** The text form of a key, for maps. */
export const docKeyText = (key: DocKey): string => `${key.collection}/${key.docId}`;

/** Document ids grouped by collection. */
export const idsByCollection = (
  keys: readonly DocKey[],
): ReadonlyMap<CollectionName, readonly string[]> => {
  const byCollection = new Map<CollectionName, string[]>();
  for (const key of keys) {
    const ids = byCollection.get(key.collection);
    if (ids === undefined) byCollection.set(key.collection, [key.docId]);
    else ids.push(key.docId);
  }
  return byCollection;
};

/** An op of the outbox. */
export interface OutboxEntry {
  /** The op's seq (`op.seq`), readable without decoding an op read from a row. */
  readonly seq: number;
  readonly op: Operation;
  /** Device time of the mutation, epoch ms. */
  readonly createdAt: number;
  /** The cursor the server answered with; null until it answered `accepted` or `duplicate`. */
  readonly ackedCursor: string | null;
}

/** A document's reducer states. */
export interface StoredDocument extends DocKey {
  /** The fold of the logged ops known; null when none is known. */
  readonly base: DocumentState | null;
  /** True when the store holds every logged op of the document. */
  readonly complete: boolean;
  /** The optimistic view: base plus pending ops. */
  readonly view: DocumentState;
  /** True when the view lags its pending ops until the document's ops are fetched. */
  readonly stale: boolean;
  readonly generation: number;
  /** True while some op of it is in the outbox. */
  readonly pending: boolean;
}

/**
 * A document a snapshot hands to a device that neither holds it nor has ops of it pending: its
 * view is its base, the snapshot's state, kept as the text of its packed form beside the fields
 * that state materializes to. Not complete, not stale, nothing pending.
 */
export interface SnapshotBase extends DocKey {
  /** The packed state's JSON text. */
  readonly state: string;
  readonly shown: MaterializedDocument;
  readonly generation: number;
}

/** The materialized optimistic view of a document, as queries read it. */
export interface ViewRow extends DocKey {
  readonly data: DocumentData;
  readonly created: boolean;
  readonly deleted: boolean;
  readonly disputed: readonly string[];
  readonly pending: boolean;
}

/** An op the server rejected, with its reason. */
export interface Rejection {
  readonly op: Operation;
  readonly error: OpError;
  readonly rejectedAt: number;
}

/** Counts for the replica's status. */
export interface OutboxSummary {
  /** Ops the server has not answered yet. */
  readonly unanswered: number;
  /** Device time of the oldest of them, epoch ms. */
  readonly oldestCreatedAt: number | null;
}

/** An op of the outbox the server has answered, and the cursor it answered it with. */
export interface AnsweredOp {
  readonly seq: number;
  readonly cursor: string;
}

/** The storage operations a replica uses (see the module's invariants). */
export interface ReplicaStore {
  /** Runs `fn` in one transaction on a store bound to it (see invariant 1). */
  transaction<A>(
    fn: (store: ReplicaStore) => Promise<A>,
    options?: { readonly refetchable?: boolean },
  ): Promise<A>;

  meta(): Promise<ReplicaMeta | undefined>;
  saveMeta(meta: ReplicaMeta): Promise<void>;

  document(key: DocKey): Promise<StoredDocument | undefined>;
  /** Of these documents, those the replica holds, by `docKeyText`. */
  documents(keys: readonly DocKey[]): Promise<ReadonlyMap<string, StoredDocument>>;
  /**
   * Of these documents, those held without all of their logged ops (`complete` false), by
   * `docKeyText`: cheaper than `documents` when that is all a caller needs to know.
   */
  incompleteDocuments(keys: readonly DocKey[]): Promise<ReadonlySet<string>>;
  /** Inserts or replaces the document, with its view's materialized fields. */
  putDocument(doc: StoredDocument): Promise<void>;
  /** `putDocument` for many, in as few statements as the database allows. */
  putDocuments(docs: readonly StoredDocument[]): Promise<void>;
  /** Inserts or replaces documents as a snapshot's bases, as `putDocuments` would write them. */
  putSnapshotBases(bases: readonly SnapshotBase[]): Promise<void>;
  deleteDocument(key: DocKey): Promise<void>;
  /** Documents from bootstraps before `generation`. */
  documentsBefore(generation: number): Promise<readonly DocKey[]>;
  /** Documents whose states must be settled again (see `document-settler.ts`). */
  staleDocuments(): Promise<readonly DocKey[]>;
  /** Marks documents for settling again. */
  markStale(keys: readonly DocKey[]): Promise<void>;

  view(key: DocKey): Promise<ViewRow | undefined>;
  views(collection: CollectionName): Promise<readonly ViewRow[]>;

  addToOutbox(entry: OutboxEntry): Promise<void>;
  /** Outbox ops from `fromSeq` on, in seq order, at most `limit`. */
  outboxFrom(fromSeq: number, limit: number): Promise<readonly OutboxEntry[]>;
  /** The lowest seq the server has not answered, if any. */
  firstUnanswered(): Promise<number | undefined>;
  /** Outbox ops of one document, in seq order. */
  pendingOf(key: DocKey): Promise<readonly OutboxEntry[]>;
  /** Of these documents, those with ops in the outbox, by `docKeyText`. */
  pendingKeys(keys: readonly DocKey[]): Promise<ReadonlySet<string>>;
  /** `pendingOf` for many: the outbox ops of those that have some, by `docKeyText`. */
  pendingOfDocuments(keys: readonly DocKey[]): Promise<ReadonlyMap<string, readonly OutboxEntry[]>>;
  /** Seqs of the ops answered `accepted`/`duplicate` that the pull has not brought back yet. */
  answeredSeqs(): Promise<readonly number[]>;
  /** Notes the cursors the server answered ops of the outbox with (`accepted`/`duplicate`). */
  markAnswered(answers: readonly AnsweredOp[]): Promise<void>;
  removeFromOutbox(seqs: readonly number[]): Promise<void>;
  outboxSummary(): Promise<OutboxSummary>;

  /** The ops of this device by seq, wherever the store still holds them (outbox, rejections, logged). */
  ownOps(deviceId: string, seqs: readonly number[]): Promise<ReadonlyMap<number, Operation>>;

  /** Keeps a rejection; false when one of that seq was kept already. */
  addRejection(rejection: Rejection): Promise<boolean>;
  rejections(): Promise<readonly Rejection[]>;

  /** Of these dots, the ones logged in `generation` that the store holds. */
  knownDots(dots: readonly Dot[], generation: number): Promise<ReadonlySet<string>>;
  /** Every logged op of a document the store holds from `generation`. */
  loggedOps(key: DocKey, generation: number): Promise<readonly LoggedOp[]>;
  /** Keeps logged ops; one already held is marked as received in `generation`. */
  addLoggedOps(ops: readonly LoggedOp[], generation: number): Promise<void>;
  /** Forgets logged ops of bootstraps before `generation`, except this device's own. */
  forgetLoggedOpsBefore(generation: number, ownDeviceId: string): Promise<void>;
}
