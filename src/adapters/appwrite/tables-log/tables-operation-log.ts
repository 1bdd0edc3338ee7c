/**
 * The operation log on Appwrite TablesDB (DESIGN.md section 4; APPWRITE.md section 3): the
 * `OperationLog` contract with every read and write going to TablesDB rows, no local database
 * and no in-memory copy of the log.
 *
 * Invariants:
 * 1. Appends commit under the single log-head row (`appendUnderHead`): concurrent appenders
 *    conflict on it and re-plan, so positions are assigned in commit order, with no gap and no
 *    reuse; a batch too big for one transaction is appended in chunks (`chunked-append.ts`).
 * 2. Reads go by the log's own position columns, never `$sequence`, and never past the head row
 *    they read first.
 * 3. Cursors are `src/log/cursor.ts`'s, signed with the epoch and secret kept in the head row.
 * 4. Every commit also updates the `sync_heads` rows of the facilities that can see its ops
 *    (an Appwrite Realtime event for apps), in the same transaction.
 * 5. `onCommit` hears this instance's commits at once, and other instances' by polling the
 *    head row every `headPollMs` (default 250 ms) while a listener is registered; heads are
 *    announced in increasing order, each at most once.
 *
 * @example
 * const log = await openTablesLog({ tablesDb: tablesDbOf(connection), databaseId: 'immune_sync' });
 */
import * as E from 'fp-ts/lib/Either.js';
import type { TablesDB } from 'node-appwrite';
import type { CollectionName } from '../../../domain/collection.ts';
import { type SyncError, syncError } from '../../../domain/errors.ts';
import { type Dot, UserId } from '../../../domain/ids.ts';
import { type LoggedOp, SCHEMAS } from '../../../domain/operation.ts';
import type { Principal } from '../../../domain/principal.ts';
import type { OpFlag } from '../../../domain/rules.ts';
import { encodeCursor, positionOf } from '../../../log/cursor.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type { LogOptions } from '../../../log/log-options.ts';
import type {
  AppendRequest,
  AppendResult,
  ChainRecord,
  ConflictPage,
  ConflictQuery,
  DeviceStatus,
  DocumentHistory,
  OperationLog,
  Progress,
  PullPage,
  QuarantinedOp,
  ServerOpDraft,
  SnapshotPage,
  StatusOverview,
  VerifyReport,
} from '../../../log/operation-log.ts';
import type { ConflictRecord } from '../../../projections/conflict-record.ts';
import type { HeadOptions } from '../log-head-transaction.ts';
import { type AppendEnvironment, appendBatch, appendServerOps } from './append-batch.ts';
import { documentHistory, flagsOfDots, listConflicts, quarantinedOps } from './audit-reads.ts';
import { bindDevice, savePull } from './device-rows.ts';
import { deviceStatus, statusOverview } from './device-status.ts';
import { loadHeadIdentity } from './head-identity.ts';
import { LogStore } from './log-store.ts';
import { documentOps, hasVisibleAfter, headOf, readAfter } from './pull-reads.ts';
import { replayLog } from './replay-log.ts';
import { resolveConflict } from './resolve-conflict.ts';
import { snapshotPage } from './snapshot-pages.ts';
import { verifyLog } from './verify-log.ts';

/** What `openTablesLog` needs. */
export interface TablesLogConfig {
  readonly tablesDb: TablesDB;
  /** The database set up with `appwriteSchema` (`setupSchema`). */
  readonly databaseId: string;
  readonly options?: LogOptions;
  /** The transaction's operation limit (100 self-hosted and free; 1,000 Pro) and retries. */
  readonly head?: HeadOptions;
  /** How often other instances' commits are looked for while someone listens (ms). */
  readonly headPollMs?: number;
}

/** The default interval of the head row's polling for `onCommit`. */
export const DEFAULT_HEAD_POLL_MS = 250;

/**
 * Opens the log on a TablesDB database whose tables exist: creates the head row (epoch and
 * secret) on the first start, and reads the identity.
 */
export const openTablesLog = async (config: TablesLogConfig): Promise<TablesOperationLog> => {
  const store = new LogStore(config.tablesDb, config.databaseId);
  return new TablesOperationLog(config, store, await loadHeadIdentity(store));
};

/** The TablesDB implementation of `OperationLog` (see the module). */
export class TablesOperationLog implements OperationLog {
  /** The log's epoch: every cursor carries it. */
  readonly epoch: string;
  readonly #store: LogStore;
  readonly #identity: LogIdentity;
  readonly #clock: () => number;
  readonly #options: LogOptions;
  readonly #head: HeadOptions;
  readonly #pollMs: number;
  readonly #listeners = new Set<(head: string) => void>();
  #announced = -1;
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling = false;

  constructor(config: TablesLogConfig, store: LogStore, identity: LogIdentity) {
    this.#store = store;
    this.#identity = identity;
    this.epoch = identity.epoch;
    this.#options = config.options ?? {};
    this.#clock = this.#options.clock ?? Date.now;
    this.#head = config.head ?? {};
    this.#pollMs = config.headPollMs ?? DEFAULT_HEAD_POLL_MS;
  }

  /** The environment of one append (its decoded ops are its own). */
  #env(): AppendEnvironment {
    const fault = this.#options.faultInjection;
    return {
      store: this.#store,
      identity: this.#identity,
      schemas: this.#options.schemas ?? SCHEMAS,
      userFacilities: this.#options.userFacilities ?? (() => []),
      fault: fault === undefined ? () => undefined : fault,
      decoded: new Map(),
      head: this.#head,
      committed: (head) => this.#announce(head),
    };
  }

  async head(): Promise<string> {
    return encodeCursor(this.#identity, positionOf(await headOf(this.#store)));
  }

  append(request: AppendRequest): Promise<E.Either<SyncError, AppendResult>> {
    return appendBatch(this.#env(), request, request.now ?? this.#clock());
  }

  resolve(
    principal: Principal,
    conflictId: string,
    data: unknown,
  ): Promise<E.Either<SyncError, { readonly conflict: ConflictRecord; readonly cursor: string }>> {
    return resolveConflict(this.#env(), principal, conflictId, data, this.#clock());
  }

  async appendAsServer(
    deviceId: string,
    author: { readonly userId: string; readonly role: 'system' | 'admin' | 'supervisor' },
    ops: readonly ServerOpDraft[],
  ): Promise<E.Either<SyncError, AppendResult>> {
    const userId = UserId.decode(author.userId);
    if (E.isLeft(userId))
      return E.left(syncError('bad_request', 'the author needs a valid user id', 'author.userId'));
    return appendServerOps(
      this.#env(),
      deviceId,
      { userId: userId.right, role: author.role },
      ops,
      this.#clock(),
    );
  }

  readAfter(
    principal: Principal,
    after: string | undefined,
    limit: number,
  ): Promise<E.Either<SyncError, PullPage>> {
    return readAfter(this.#store, this.#identity, principal, after, limit);
  }

  bindDevice(principal: Principal, deviceId: string): Promise<E.Either<SyncError, void>> {
    return bindDevice(this.#store, principal, deviceId, this.#clock());
  }

  recordPull(deviceId: string, next: string, now?: number): Promise<void> {
    return savePull(this.#store, deviceId, next, now ?? this.#clock());
  }

  snapshot(
    principal: Principal,
    page: string | undefined,
    pageSize?: number,
  ): Promise<E.Either<SyncError, SnapshotPage>> {
    return snapshotPage(this.#store, this.#identity, principal, page, pageSize);
  }

  documentOps(
    principal: Principal,
    collection: CollectionName,
    docId: string,
  ): Promise<E.Either<SyncError, readonly LoggedOp[]>> {
    return documentOps(this.#store, this.#identity, principal, collection, docId);
  }

  history(
    principal: Principal,
    collection: CollectionName,
    docId: string,
    asOf: string | undefined,
  ): Promise<E.Either<SyncError, DocumentHistory>> {
    return documentHistory(this.#store, this.#identity, principal, collection, docId, asOf);
  }

  conflicts(
    principal: Principal,
    query: ConflictQuery,
  ): Promise<E.Either<SyncError, ConflictPage>> {
    return listConflicts(this.#store, this.#identity, principal, query);
  }

  deviceStatus(principal: Principal, deviceId: string): Promise<E.Either<SyncError, DeviceStatus>> {
    return deviceStatus(this.#store, this.#identity, principal, deviceId);
  }

  statusOverview(principal: Principal, now?: number): Promise<E.Either<SyncError, StatusOverview>> {
    return statusOverview(this.#store, this.#identity, principal, now ?? this.#clock());
  }

  quarantine(deviceId?: string): Promise<readonly QuarantinedOp[]> {
    return quarantinedOps(this.#store, deviceId);
  }

  flagsOf(dots: readonly Dot[]): Promise<ReadonlyMap<string, readonly OpFlag[]>> {
    return flagsOfDots(this.#store, dots);
  }

  verify(progress?: Progress, recorded?: ChainRecord): Promise<VerifyReport> {
    return verifyLog(this.#store, this.#identity, progress, recorded);
  }

  replay(
    asOf?: string,
    progress?: Progress,
  ): Promise<{ readonly documents: number; readonly ops: number }> {
    return replayLog(
      this.#store,
      this.#identity,
      this.#options.userFacilities ?? (() => []),
      asOf,
      progress,
    );
  }

  onCommit(listener: (head: string) => void): () => void {
    this.#listeners.add(listener);
    this.#startPolling();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopPolling();
    };
  }

  hasVisibleAfter(principal: Principal, after: string): Promise<E.Either<SyncError, boolean>> {
    return hasVisibleAfter(this.#store, this.#identity, principal, after);
  }

  /** Stops polling and forgets the listeners; the TablesDB client has nothing to close. */
  async close(): Promise<void> {
    this.#listeners.clear();
    this.#stopPolling();
  }

  /** Tells the listeners about a head above every head announced so far. */
  #announce(head: number): void {
    if (head <= this.#announced) return;
    this.#announced = head;
    const cursor = encodeCursor(this.#identity, positionOf(head));
    for (const listener of this.#listeners) {
      try {
        listener(cursor);
      } catch {
        // A listener's failure is its own; the commit has happened regardless.
      }
    }
  }

  #startPolling(): void {
    if (this.#timer !== undefined) return;
    // Heads committed before the first listener are not news.
    const baseline = headOf(this.#store).then(
      (head) => {
        if (this.#announced < head) this.#announced = head;
      },
      () => undefined,
    );
    this.#timer = setInterval(() => {
      if (this.#polling) return;
      this.#polling = true;
      void baseline
        .then(() => headOf(this.#store))
        .then(
          (head) => this.#announce(head),
          () => undefined,
        )
        .finally(() => {
          this.#polling = false;
        });
    }, this.#pollMs);
    this.#timer.unref();
  }

  #stopPolling(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
