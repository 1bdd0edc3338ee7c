/**
 * The operation log on SQL through kysely: one implementation for every SQL backend, whose
 * differences come in as a `LogDialect` (capabilities, never a dialect's name). The SQLite and
 * Postgres adapters open it (`openSqliteLog`, `openPostgresLog`).
 *
 * The work is split by concept: `append.ts` and `append-session.ts` (push and server ops),
 * `resolve.ts`, `pull.ts`, `snapshot.ts`, `document-history.ts`, `conflict-listing.ts`,
 * `device-status.ts`, `audit-reads.ts`, `verify.ts`, `replay.ts`; this class wires them to the
 * `OperationLog` contract and owns the connection, the identity and the commit listeners.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { CollectionName } from '../domain/collection.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { Dot } from '../domain/ids.ts';
import { UserId } from '../domain/ids.ts';
import { type LoggedOp, SCHEMAS } from '../domain/operation.ts';
import type { Principal } from '../domain/principal.ts';
import type { OpFlag } from '../domain/rules.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { type AppendOutcome, appendBatch, appendServerOps } from './append.ts';
import type { AppendEnvironment } from './append-session.ts';
import { flagsOfDots, quarantinedOps } from './audit-reads.ts';
import { CommitListeners } from './commit-listeners.ts';
import { CompiledInserts } from './compiled-inserts.ts';
import { listConflicts } from './conflict-listing.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import { claimDevice, savePull } from './device-registry.ts';
import { deviceStatus, statusOverview } from './device-status.ts';
import { documentHistory } from './document-history.ts';
import { adoptRestoredCopy } from './epoch.ts';
import type { LogDialect } from './log-dialect.ts';
import { headPosition } from './log-head.ts';
import { type LogIdentity, loadIdentity } from './log-identity.ts';
import type { LogOptions } from './log-options.ts';
import type { LogTables } from './log-tables.ts';
import { migrateToLatest } from './migrations.ts';
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
} from './operation-log.ts';
import { documentOps, hasVisibleAfter, readAfter } from './pull.ts';
import { replayLog } from './replay.ts';
import { resolveConflict } from './resolve.ts';
import { snapshotPage } from './snapshot.ts';
import { verifyLog } from './verify.ts';

/** What `openSqlOperationLog` needs: a kysely instance on the store, and its capabilities. */
export interface SqlLogConfig {
  readonly db: Kysely<LogTables>;
  readonly dialect: LogDialect;
  readonly options?: LogOptions;
}

/**
 * Opens the log on a store: migrates it to the latest schema (alone among instances starting
 * together), renews the epoch of a restored backup (`epoch.ts`), reads its identity, and starts
 * listening to other instances' heads.
 *
 * @example
 * const log = await openSqlOperationLog({ db, dialect: sqliteLogDialect() });
 */
export const openSqlOperationLog = (config: SqlLogConfig): Promise<SqlOperationLog> =>
  SqlOperationLog.open(config);

/** The kysely implementation of `OperationLog` (see the module). */
export class SqlOperationLog implements OperationLog {
  /** The store, for tools and tests that look at the tables themselves. */
  readonly db: Kysely<LogTables>;
  /** The log's epoch: every cursor carries it. */
  readonly epoch: string;
  readonly #listeners: CommitListeners;
  readonly #dialect: LogDialect;
  readonly #identity: LogIdentity;
  readonly #clock: () => number;
  readonly #env: AppendEnvironment;
  #closed = false;

  /** Migrates the store, reads its identity, starts listening (see `openSqlOperationLog`). */
  static async open(config: SqlLogConfig): Promise<SqlOperationLog> {
    await migrateToLatest(config.db, config.dialect);
    await adoptRestoredCopy(config.db, config.dialect);
    const log = new SqlOperationLog(config, await loadIdentity(config.db));
    await log.#listeners.start();
    return log;
  }

  private constructor(config: SqlLogConfig, identity: LogIdentity) {
    const options = config.options ?? {};
    this.db = config.db;
    this.epoch = identity.epoch;
    this.#dialect = config.dialect;
    this.#identity = identity;
    this.#clock = options.clock ?? Date.now;
    this.#listeners = new CommitListeners(identity, config.dialect.heads?.(identity.channel));
    const fault = options.faultInjection;
    this.#env = {
      identity,
      dialect: config.dialect,
      schemas: options.schemas ?? SCHEMAS,
      userFacilities: options.userFacilities ?? (() => []),
      fault: fault === undefined ? () => undefined : fault,
      announce: (trx, head) => this.#listeners.announce(trx, head),
      inserts: new CompiledInserts(),
    };
  }

  async head(): Promise<string> {
    return encodeCursor(this.#identity, positionOf(await headPosition(this.db)));
  }

  async append(request: AppendRequest): Promise<E.Either<SyncError, AppendResult>> {
    const outcome = await appendBatch(this.db, this.#env, request, request.now ?? this.#clock());
    return this.#committed(outcome);
  }

  async resolve(
    principal: Principal,
    conflictId: string,
    data: unknown,
  ): Promise<E.Either<SyncError, { readonly conflict: ConflictRecord; readonly cursor: string }>> {
    const outcome = await resolveConflict(
      this.db,
      this.#env,
      principal,
      conflictId,
      data,
      this.#clock(),
    );
    if (E.isLeft(outcome)) return outcome;
    this.#listeners.emit(outcome.right.head);
    return E.right({ conflict: outcome.right.conflict, cursor: outcome.right.cursor });
  }

  async appendAsServer(
    deviceId: string,
    author: { readonly userId: string; readonly role: 'system' | 'admin' | 'supervisor' },
    ops: readonly ServerOpDraft[],
  ): Promise<E.Either<SyncError, AppendResult>> {
    const userId = UserId.decode(author.userId);
    if (E.isLeft(userId))
      return E.left(syncError('bad_request', 'the author needs a valid user id', 'author.userId'));
    const outcome = await appendServerOps(
      this.db,
      this.#env,
      deviceId,
      { userId: userId.right, role: author.role },
      ops,
      this.#clock(),
    );
    return this.#committed(outcome);
  }

  readAfter(
    principal: Principal,
    after: string | undefined,
    limit: number,
  ): Promise<E.Either<SyncError, PullPage>> {
    return readAfter(this.db, this.#identity, principal, after, limit);
  }

  async bindDevice(principal: Principal, deviceId: string): Promise<E.Either<SyncError, void>> {
    const claimed = await this.db
      .transaction()
      .execute((trx) => claimDevice(trx, principal, deviceId, this.#clock()));
    return E.isLeft(claimed) ? claimed : E.right(undefined);
  }

  recordPull(deviceId: string, next: string, now?: number): Promise<void> {
    return savePull(this.db, deviceId, next, now ?? this.#clock());
  }

  snapshot(
    principal: Principal,
    page: string | undefined,
    pageSize?: number,
  ): Promise<E.Either<SyncError, SnapshotPage>> {
    return snapshotPage(
      this.db,
      this.#identity,
      principal,
      page,
      pageSize,
      this.#dialect.jsonTextValid,
    );
  }

  documentOps(
    principal: Principal,
    collection: CollectionName,
    docId: string,
  ): Promise<E.Either<SyncError, readonly LoggedOp[]>> {
    return documentOps(this.db, this.#identity, principal, collection, docId);
  }

  history(
    principal: Principal,
    collection: CollectionName,
    docId: string,
    asOf: string | undefined,
  ): Promise<E.Either<SyncError, DocumentHistory>> {
    return documentHistory(this.db, this.#identity, principal, collection, docId, asOf);
  }

  conflicts(
    principal: Principal,
    query: ConflictQuery,
  ): Promise<E.Either<SyncError, ConflictPage>> {
    return listConflicts(this.db, this.#identity, principal, query);
  }

  deviceStatus(principal: Principal, deviceId: string): Promise<E.Either<SyncError, DeviceStatus>> {
    return deviceStatus(this.db, this.#identity, principal, deviceId);
  }

  statusOverview(principal: Principal, now?: number): Promise<E.Either<SyncError, StatusOverview>> {
    return statusOverview(this.db, this.#identity, principal, now ?? this.#clock());
  }

  quarantine(deviceId?: string): Promise<readonly QuarantinedOp[]> {
    return quarantinedOps(this.db, deviceId);
  }

  flagsOf(dots: readonly Dot[]): Promise<ReadonlyMap<string, readonly OpFlag[]>> {
    return flagsOfDots(this.db, dots);
  }

  verify(progress?: Progress, recorded?: ChainRecord): Promise<VerifyReport> {
    return verifyLog(this.db, this.#identity, progress, recorded);
  }

  async replay(
    asOf?: string,
    progress?: Progress,
  ): Promise<{ readonly documents: number; readonly ops: number }> {
    return replayLog(this.db, this.#identity, this.#dialect, asOf, progress);
  }

  onCommit(listener: (head: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  hasVisibleAfter(principal: Principal, after: string): Promise<E.Either<SyncError, boolean>> {
    return hasVisibleAfter(this.db, this.#identity, principal, after);
  }

  /** Stops listening, closes the store's connections; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listeners.close();
    await this.db.destroy();
    await this.#dialect.close();
  }

  /** Tells local listeners about an append that committed, and returns its answer. */
  #committed(outcome: E.Either<SyncError, AppendOutcome>): E.Either<SyncError, AppendResult> {
    if (E.isLeft(outcome)) return outcome;
    if (outcome.right.appendedHead !== undefined) this.#listeners.emit(outcome.right.appendedHead);
    return E.right(outcome.right.result);
  }
}
