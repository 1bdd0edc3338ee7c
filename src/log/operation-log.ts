/**
 * The operation log contract (DESIGN.md section 4). Every backend (SQLite and Postgres through
 * kysely, Appwrite TablesDB) implements it and passes the one contract suite in
 * `test/log/log-contract.ts`.
 *
 * What every backend guarantees:
 * 1. `append` processes a batch of one device in one transaction: all of it is durable or none,
 *    and the affected documents' projections and conflict records are written in the same
 *    transaction, so projections always match the log.
 * 2. Idempotence by dot: a retried op gets the answer it got the first time (`duplicate` with its
 *    cursor, or the same `rejected`), and nothing is appended twice.
 * 3. Cursors follow commit order: a reader that has seen cursor C never misses an op that
 *    becomes visible later at a position below C.
 * 4. Cursors are opaque, versioned and carry the log's epoch: a tampered one is `bad_cursor`, one
 *    of another epoch `reset_required`.
 * 5. Reads are scoped to the principal (PROTOCOL.md, Scope); a transfer makes the patient's whole
 *    history visible to the new facility at the transfer's position.
 * 6. Bad input changes nothing already accepted; every refusal is a `SyncError` value.
 */
import type * as E from 'fp-ts/lib/Either.js';
import type { CollectionName, DocumentData } from '../domain/collection.ts';
import type { OpError, SyncError } from '../domain/errors.ts';
import type { LoggedOp, OpKind } from '../domain/operation.ts';
import type { Principal } from '../domain/principal.ts';
import type { OpFlag } from '../domain/rules.ts';
import type { ConflictRecord, ConflictStatus } from '../projections/conflict-record.ts';
import type { OpOutcome } from '../projections/history.ts';

/** One op of a push as it arrived: its dot (already decoded by the host) and its raw JSON. */
export interface IncomingOp {
  readonly seq: number;
  readonly raw: unknown;
}

/** The answer for one op of a push (PROTOCOL.md, POST /v1/push). */
export type OpResult =
  | { readonly seq: number; readonly status: 'accepted'; readonly cursor: string }
  | { readonly seq: number; readonly status: 'duplicate'; readonly cursor: string }
  | { readonly seq: number; readonly status: 'rejected'; readonly error: OpError }
  | { readonly seq: number; readonly status: 'gap'; readonly expected: number };

export interface AppendResult {
  readonly results: readonly OpResult[];
  /** The highest seq of the device durably processed (accepted or rejected); 0 before anything. */
  readonly ackedSeq: number;
  readonly head: string;
}

export interface AppendRequest {
  readonly principal: Principal;
  readonly deviceId: string;
  /** In increasing seq order, all of `deviceId` (the host checked both). */
  readonly ops: readonly IncomingOp[];
  /** Server time, epoch ms (defaults to the clock of the log). */
  readonly now?: number;
}

/**
 * An op the server appends itself (`OperationLog.appendAsServer`), before the log gives it its
 * device, seq, clock, context and schema. `data` is decoded by the collection's codec like a
 * device's.
 */
export interface ServerOpDraft {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly kind: OpKind;
  readonly data?: unknown;
}

/** A page of a pull (PROTOCOL.md, GET /v1/pull). */
export interface PullPage {
  readonly ops: readonly LoggedOp[];
  readonly next: string;
  readonly hasMore: boolean;
  readonly head: string;
}

/** Reducer metadata a client needs to keep folding a document it got from a snapshot. */
export type SnapshotMeta = Readonly<Record<string, unknown>>;

export interface SnapshotDoc {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly data: DocumentData;
  readonly deleted: boolean;
  readonly meta: SnapshotMeta;
}

/** A page of a snapshot (PROTOCOL.md, GET /v1/snapshot); every page has the same cursor. */
export interface SnapshotPage {
  readonly docs: readonly SnapshotDoc[];
  readonly cursor: string;
  readonly nextPage: string | null;
}

/** A document as of a cursor, and each of its ops with its outcome (PROTOCOL.md, history). */
export interface DocumentHistory {
  readonly doc: {
    readonly data: DocumentData;
    readonly deleted: boolean;
    readonly disputed: readonly string[];
  };
  readonly timeline: readonly { readonly op: LoggedOp; readonly outcome: OpOutcome }[];
}

export interface DeviceStatus {
  readonly deviceId: string;
  readonly userId: string;
  readonly ackedSeq: number;
  readonly lastPushAt: string | null;
  readonly lastPullAt: string | null;
  readonly pulledCursor: string | null;
  readonly behind: number;
  readonly rejected: number;
  readonly openConflicts: number;
}

export interface StatusOverview {
  readonly head: string;
  readonly devices: readonly DeviceStatus[];
  readonly stale: readonly DeviceStatus[];
}

export interface ConflictQuery {
  readonly status: ConflictStatus | 'all';
  readonly collection?: CollectionName;
  readonly after?: string;
  readonly limit?: number;
}

export interface ConflictPage {
  readonly conflicts: readonly ConflictRecord[];
  readonly next: string | null;
}

export interface VerifyProblem {
  readonly kind: 'chain' | 'projection' | 'conflicts' | 'op' | 'visibility';
  readonly collection: string | null;
  readonly docId: string | null;
  readonly detail: string;
}

/**
 * The head of a device's hash chain: the stored link of its last logged op. Recorded outside
 * the database (`immune-sync verify --record-heads`), heads pin every device's history up to
 * them: a later `verify` against them finds a history that was changed and linked again, which
 * the chains alone cannot (whoever can write the ops can write their links too).
 */
export interface ChainHead {
  readonly deviceId: string;
  readonly seq: number;
  readonly hash: string;
}

/**
 * A digest of the log up to a position: sha256 over each op's position, dot and link, in
 * position order. Each link hashes its op, so the digest pins the log's content, order and
 * completeness up to there, across devices (which the heads, device by device, do not).
 */
export interface LogDigest {
  readonly position: number;
  readonly digest: string;
}

/** What a clean `verify` records, for later runs to check against (not on the wire). */
export interface ChainRecord {
  /** The chain head of every device with logged ops, by device id. */
  readonly heads: readonly ChainHead[];
  /** The whole log, up to the head the run read. */
  readonly log: LogDigest;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: { readonly ops: number; readonly documents: number; readonly devices: number };
  readonly problems: readonly VerifyProblem[];
  readonly record: ChainRecord;
}

/** A rejected op kept with its reason, so no field data is lost. */
export interface QuarantinedOp {
  readonly deviceId: string;
  readonly seq: number;
  readonly userId: string;
  readonly raw: unknown;
  readonly error: OpError;
  readonly receivedAt: string;
}

/** Progress of a long job (verify, replay), for a progress bar. */
export type Progress = (done: number, total: number) => void;

export interface OperationLog {
  /** The current head cursor. */
  head(): Promise<string>;

  /**
   * Appends a batch of one device (see the module's guarantees). A request-level refusal (the
   * device belongs to another user, or is reserved: `forbidden`) processes nothing.
   */
  append(request: AppendRequest): Promise<E.Either<SyncError, AppendResult>>;

  /**
   * Appends an auditor's resolution of a current `field` conflict: an op of device
   * `server.resolutions` whose ctx is the document's whole version vector.
   * Errors: `not_found`, `forbidden`, `not_resolvable`, `already_resolved`, `stale`,
   * `bad_request` (path `data.<field>`).
   */
  resolve(
    principal: Principal,
    conflictId: string,
    data: unknown,
  ): Promise<E.Either<SyncError, { readonly conflict: ConflictRecord; readonly cursor: string }>>;

  /**
   * Appends server-class ops as the server itself (device `deviceId`, which starts with
   * `server.`; any other is `bad_request`): reference data, edits captured from Appwrite. The
   * log completes each draft in the transaction: the device's next seq, `hlc` from its clock,
   * the current op schema, and as `ctx` the document's whole version vector (the server edits
   * the document as it stands). Each op is then checked like any other (codec, business rules;
   * the server's devices need no write permission) and rejected ones are quarantined.
   */
  appendAsServer(
    deviceId: string,
    author: { readonly userId: string; readonly role: 'system' | 'admin' | 'supervisor' },
    ops: readonly ServerOpDraft[],
  ): Promise<E.Either<SyncError, AppendResult>>;

  /**
   * Ops visible to the principal after `after` (absent: from the start), at most `limit`
   * (1..5000, else `bad_request`), up to the head read at the start. Page with `next`, never
   * with an op's own cursor. Errors: `bad_cursor`, `reset_required`.
   */
  readAfter(
    principal: Principal,
    after: string | undefined,
    limit: number,
  ): Promise<E.Either<SyncError, PullPage>>;

  /** Binds an unknown device to the principal, or refuses another user's device (`forbidden`). */
  bindDevice(principal: Principal, deviceId: string): Promise<E.Either<SyncError, void>>;

  /** Records the `next` cursor a pull handed to a device. */
  recordPull(deviceId: string, next: string, now?: number): Promise<void>;

  /**
   * Snapshot pages consistent with one cursor, of the documents visible to the principal:
   * `pageSize` 1..5000 (default 2000, `DEFAULT_SNAPSHOT_PAGE`); `page` is a previous page's
   * `nextPage` (forged: `bad_cursor`; of another epoch: `reset_required`).
   */
  snapshot(
    principal: Principal,
    page: string | undefined,
    pageSize?: number,
  ): Promise<E.Either<SyncError, SnapshotPage>>;

  /** Every op of one document visible to the principal, in cursor order (`not_found` otherwise). */
  documentOps(
    principal: Principal,
    collection: CollectionName,
    docId: string,
  ): Promise<E.Either<SyncError, readonly LoggedOp[]>>;

  /**
   * A document's history as of a cursor (that op included; default: now), for auditors, admins
   * and supervisors of the document's facility (`forbidden` otherwise; `not_found` for an
   * unknown document).
   */
  history(
    principal: Principal,
    collection: CollectionName,
    docId: string,
    asOf: string | undefined,
  ): Promise<E.Either<SyncError, DocumentHistory>>;

  /**
   * Live conflict records by status, ordered by id, in pages of `query.limit` (1..1000, default
   * 100): all of them for auditors and admins, their facilities' for supervisors, `forbidden`
   * for health workers.
   */
  conflicts(principal: Principal, query: ConflictQuery): Promise<E.Either<SyncError, ConflictPage>>;

  /**
   * One device's status (PROTOCOL.md, GET /v1/status?deviceId): for its owner, supervisors of
   * its owner's facilities, admins and auditors. Unknown device: `not_found` for admins and
   * auditors, `forbidden` for everyone else.
   */
  deviceStatus(
    principal: Principal,
    deviceId: string,
    now?: number,
  ): Promise<E.Either<SyncError, DeviceStatus>>;

  /**
   * Every user device the principal may see (supervisors: their facilities'; admins and
   * auditors: all), and the stale ones (no push or pull in the 24 h before `now`).
   */
  statusOverview(principal: Principal, now?: number): Promise<E.Either<SyncError, StatusOverview>>;

  /** Rejected ops of a device (or all), newest last. */
  quarantine(deviceId?: string): Promise<readonly QuarantinedOp[]>;

  /** The flags of logged ops (possible_duplicate, upcast, skewed), by `deviceId:seq`. */
  flagsOf(
    dots: readonly { readonly deviceId: string; readonly seq: number }[],
  ): Promise<ReadonlyMap<string, readonly OpFlag[]>>;

  /**
   * Checks the hash chains and re-derives every projection from the log; with what an earlier
   * clean run recorded, also that each device's chain still passes through its recorded head
   * and that the log up to the recorded digest's position is the one digested.
   */
  verify(progress?: Progress, recorded?: ChainRecord): Promise<VerifyReport>;

  /**
   * Rebuilds every projection and conflict record from the log (as of a cursor, if given: the
   * projections then stand as of it until the next full replay). A cursor the log cannot read
   * is a thrown error: this is an operator's tool, not a request.
   */
  replay(
    asOf?: string,
    progress?: Progress,
  ): Promise<{ readonly documents: number; readonly ops: number }>;

  /** Calls `listener` with the new head after every commit (this instance's and, where the
   * backend can, other instances'). Returns the unsubscribe function. */
  onCommit(listener: (head: string) => void): () => void;

  /** True when ops visible to the principal exist after `after`. */
  hasVisibleAfter(principal: Principal, after: string): Promise<E.Either<SyncError, boolean>>;

  close(): Promise<void>;
}
