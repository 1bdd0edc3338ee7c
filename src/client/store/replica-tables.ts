/**
 * The tables of a replica, as kysely sees them. JSON is kept as text, booleans as 0/1, times as
 * epoch ms, so that any SQLite driver (better-sqlite3 in Node, a React Native driver on a phone)
 * holds them alike.
 *
 * Invariants:
 * 1. Every pending op is in `outbox` from the moment its mutation returns until the server has
 *    answered it and, when accepted, until the pull brings it back as a logged op.
 * 2. `documents.base` is the fold of the logged ops the replica knows of the document (from
 *    pulls, from a snapshot, or fetched); `documents.view` is `base` plus the pending ops.
 * 3. `logged_ops` holds every logged op of a document whose `complete` flag is 1; a document
 *    that came from a snapshot has `complete = 0` until its ops are fetched.
 */

/** Settings of the replica: device id, next seq, clock, cursor (see `replica-meta.ts`). */
export interface ReplicaMetaTable {
  readonly key: string;
  readonly value: string;
}

/** Ops made on this device that the server has not logged back to it yet. */
export interface OutboxTable {
  readonly seq: number;
  readonly collection: string;
  readonly doc_id: string;
  /** The op as the device sends it (`encodeOperation`), as JSON. */
  readonly op: string;
  /** Device time of the mutation, epoch ms. */
  readonly created_at: number;
  /** The cursor of the server's `accepted`/`duplicate` answer; null while unanswered. */
  readonly acked_cursor: string | null;
}

/** Logged ops the replica holds (from pulls and from `GET /v1/ops`). */
export interface LoggedOpsTable {
  readonly device_id: string;
  readonly seq: number;
  readonly collection: string;
  readonly doc_id: string;
  /** The logged op (`encodeLoggedOp`), as JSON. */
  readonly op: string;
  /** The bootstrap generation in which it was received (see `replica-meta.ts`). */
  readonly generation: number;
}

/** `documents.base` of a document whose base is its view (not JSON, so never a state). */
export const BASE_IS_VIEW = '=';

/** One document: its reducer states and the materialized fields of its optimistic view. */
export interface DocumentsTable {
  readonly collection: string;
  readonly doc_id: string;
  /**
   * The logged ops' fold (`storedState`); null when no logged op of it is known; `BASE_IS_VIEW`
   * when it is the view itself (no pending op changes it), so the state is stored once.
   */
  readonly base: string | null;
  /** 1 when `logged_ops` holds every logged op of the document. */
  readonly complete: number;
  /** The optimistic view (base plus pending ops), as `storedState` writes it. */
  readonly view: string;
  /** 1 when the view could not be computed yet (it needs the document's ops from the server). */
  readonly stale: number;
  readonly generation: number;
  /** The view's materialized fields, as a JSON object. */
  readonly data: string;
  readonly created: number;
  readonly deleted: number;
  /** Disputed fields of the view, as a JSON array. */
  readonly disputed: string;
  /** 1 while the document has ops in the outbox. */
  readonly pending: number;
}

/** Ops the server rejected, kept with the reason so the app can show them after a restart. */
export interface RejectionsTable {
  readonly seq: number;
  readonly collection: string;
  readonly doc_id: string;
  readonly op: string;
  /** The error (`{code, message, path?}`), as JSON. */
  readonly error: string;
  readonly rejected_at: number;
}

/** The replica's tables, by name. */
export interface ReplicaTables {
  readonly replica_meta: ReplicaMetaTable;
  readonly outbox: OutboxTable;
  readonly logged_ops: LoggedOpsTable;
  readonly documents: DocumentsTable;
  readonly rejections: RejectionsTable;
}
