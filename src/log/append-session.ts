/**
 * One append transaction: it assigns positions, checks and appends ops one by one, and keeps
 * the documents they change in memory until it flushes them (DESIGN.md section 4; PROTOCOL.md,
 * POST /v1/push).
 *
 * Invariants:
 * 1. It runs inside a transaction that holds the append lock (`LogDialect.serializeAppends`),
 *    so `head + 1` is the next position and positions follow commit order.
 * 2. Checks run in PROTOCOL.md's order: the op's codec, then its dot, permissions and business
 *    rules (`append-rules.ts`, shared with the TablesDB log); the first failure is the answer,
 *    and the op goes to the quarantine with its seq consumed.
 * 3. An accepted op gets its position, its scope, its author (from authentication, never from
 *    the body), its receive time, its flags, its link in the device's hash chain, its
 *    visibility rows, and its document's projection and conflict records, all in this
 *    transaction.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { OpError } from '../domain/errors.ts';
import {
  type DecodedOp,
  decodeOperation,
  type LoggedOp,
  type Operation,
  type SchemaRegistry,
} from '../domain/operation.ts';
import type { Author } from '../domain/principal.ts';
import { scopeOf } from '../domain/scope.ts';
import type { DocumentState } from '../projections/document-state.ts';
import {
  type Authority,
  appliedState,
  arrivingAt,
  chainOp,
  checkOp,
  dotError,
  type ExpectedDot,
  flagsFor,
  loggedOpOf,
  type ProcessedOp,
  projectedDocument,
  refoldedState,
} from './append-rules.ts';
import { type PrefetchedViews, prefetchBatch, prefetchOp } from './batch-prefetch.ts';
import type { CompiledInserts } from './compiled-inserts.ts';
import type { DeviceProgress } from './device-registry.ts';
import { type CachedDocument, DocumentCache } from './document-cache.ts';
import type { LogDialect } from './log-dialect.ts';
import { headPosition } from './log-head.ts';
import type { LogIdentity } from './log-identity.ts';
import type { FaultStage } from './log-options.ts';
import type { LogTables } from './log-tables.ts';
import { PendingWrites } from './pending-writes.ts';
import { documentHistory, patientHistory } from './visibility.ts';

/** Re-exported for the callers that knew them here. */
export type { Authority, ProcessedOp } from './append-rules.ts';

/** What an append needs besides its transaction. */
export interface AppendEnvironment {
  readonly identity: LogIdentity;
  readonly dialect: LogDialect;
  readonly schemas: SchemaRegistry;
  readonly userFacilities: (userId: string) => readonly string[];
  readonly fault: (stage: FaultStage, index: number) => void;
  /** Announces the new head to other instances, inside the transaction (if the backend can). */
  readonly announce: (trx: Kysely<LogTables>, head: number) => Promise<void>;
  /** The log's compiled inserts, reused from one append to the next. */
  readonly inserts: CompiledInserts;
}

/** One append transaction. */
export class AppendSession {
  readonly #trx: Kysely<LogTables>;
  readonly #env: AppendEnvironment;
  readonly #now: number;
  readonly cache: DocumentCache;
  readonly #writes: PendingWrites;
  #head: number;
  readonly #startHead: number;
  readonly #decoded = new Map<unknown, E.Either<OpError, DecodedOp>>();
  /** What `prefetch` read each op's references off (`batch-prefetch.ts`, invariant 3). */
  #prefetched: PrefetchedViews | undefined;

  private constructor(trx: Kysely<LogTables>, env: AppendEnvironment, now: number, head: number) {
    this.#trx = trx;
    this.#env = env;
    this.#now = now;
    this.#head = head;
    this.#startHead = head;
    this.cache = new DocumentCache(trx);
    this.#writes = new PendingWrites(env.dialect.maxParameters, env.inserts);
  }

  /** Takes the append lock and reads the head; call first in the transaction. */
  static async begin(
    trx: Kysely<LogTables>,
    env: AppendEnvironment,
    now: number,
  ): Promise<AppendSession> {
    await env.dialect.serializeAppends(trx, env.identity.lockKey);
    return new AppendSession(trx, env, now, await headPosition(trx));
  }

  /** The position of the last op appended so far. */
  get head(): number {
    return this.#head;
  }

  /** True when this session appended at least one op. */
  get appended(): boolean {
    return this.#head > this.#startHead;
  }

  /**
   * Decodes, checks and appends one op whose dot the caller has already placed (it is the
   * device's next seq). `expected` is the dot the request said it has.
   */
  async process(
    index: number,
    raw: unknown,
    expected: ExpectedDot,
    device: DeviceProgress,
    author: Author,
    authority: Authority,
  ): Promise<ProcessedOp> {
    this.#env.fault('decode', index);
    const decoded = this.#decode(raw);
    if (E.isLeft(decoded)) return this.#reject(raw, expected, device, author, decoded.left);
    const { op, upcastFrom } = decoded.right;
    const wrongDot = dotError(op, expected);
    if (wrongDot !== undefined) return this.#reject(raw, expected, device, author, wrongDot);

    await prefetchOp(this.cache, op, this.#prefetched);
    const doc = this.cache.get(op.collection, op.docId);
    const lookup = this.cache.lookup(this.#env.userFacilities);
    const scope = scopeOf(op, doc.view, lookup);
    const rules = checkOp(this.cache, lookup, op, doc.view, scope, authority, this.#now);
    if (E.isLeft(rules)) return this.#reject(raw, expected, device, author, rules.left);

    this.#env.fault('append', index);
    const position = this.#head + 1;
    this.#head = position;
    const logged = loggedOpOf(this.#env.identity, op, author, this.#now, position, scope);
    const flags = flagsFor(rules.right, upcastFrom, op.hlc.ms, this.#now);
    this.#writes.addOp(chainOp(device, logged, position, flags));
    for (const facility of new Set(scope)) {
      this.#writes.addVisibility({
        facility_id: facility,
        at_position: position,
        op_position: position,
      });
    }
    const arriving = arrivingAt(doc, lookup, scope);
    if (arriving.length > 0) await this.#reveal(op, arriving, position);

    this.#env.fault('project', index);
    await this.#project(doc, logged, position);
    return { kind: 'accepted', position, op: logged };
  }

  /** Writes everything, announces the head if anything was appended; call last. */
  async finish(requestSize: number): Promise<void> {
    await this.flush();
    if (this.appended) await this.#env.announce(this.#trx, this.#head);
    this.#env.fault('commit', requestSize);
  }

  /** Writes the rows produced so far (the transaction stays open). */
  async flush(): Promise<void> {
    await this.#writes.flush(this.#trx, this.cache);
  }

  /**
   * Loads, in a few queries, the documents the ops of a batch will need (see
   * `batch-prefetch.ts`). Ops that do not decode are left to `process` to reject.
   */
  async prefetch(raws: readonly unknown[]): Promise<void> {
    const ops: Operation[] = [];
    for (const raw of raws) {
      const decoded = this.#decode(raw);
      if (E.isRight(decoded)) ops.push(decoded.right.op);
    }
    this.#prefetched = await prefetchBatch(this.cache, ops);
  }

  /** Decodes a raw op once per session (a batch's prefetch and its processing share it). */
  #decode(raw: unknown): E.Either<OpError, DecodedOp> {
    const known = this.#decoded.get(raw);
    if (known !== undefined) return known;
    const decoded = decodeOperation(raw, this.#env.schemas);
    this.#decoded.set(raw, decoded);
    return decoded;
  }

  /** Quarantines a rejected op; its seq is consumed. */
  #reject(
    raw: unknown,
    expected: ExpectedDot,
    device: DeviceProgress,
    author: Author,
    error: OpError,
  ): ProcessedOp {
    this.#writes.addQuarantine({
      device_id: expected.deviceId,
      seq: expected.seq,
      user_id: author.userId,
      raw: JSON.stringify(raw) ?? 'null',
      error: JSON.stringify(error),
      received_at: this.#now,
    });
    device.ackedSeq = expected.seq;
    return { kind: 'rejected', error };
  }

  /**
   * Makes the whole history of a document that arrives at new facilities visible there at this
   * position: for a patient, its own ops and those of every document that follows it.
   */
  async #reveal(op: Operation, facilities: readonly string[], position: number): Promise<void> {
    await this.flush();
    const positions =
      op.collection === 'patients'
        ? await patientHistory(this.#trx, op.docId, position)
        : await documentHistory(this.#trx, op.collection, op.docId, position);
    for (const facility of facilities) {
      for (const p of positions) {
        this.#writes.addVisibility({
          facility_id: facility,
          at_position: position,
          op_position: p,
        });
      }
    }
  }

  /** Folds the op into its document: incrementally, or from all of its ops when needed. */
  async #project(doc: CachedDocument, op: LoggedOp, position: number): Promise<void> {
    const state = appliedState(doc, op) ?? (await this.#refold(op));
    const latest = this.cache.get(doc.collection, doc.docId);
    this.cache.put(projectedDocument(latest, doc, op, state, position));
  }

  /** The document's state folded from all of its ops, the ones not flushed yet included. */
  async #refold(op: LoggedOp): Promise<DocumentState> {
    await this.flush();
    const rows = await this.#trx
      .selectFrom('ops')
      .selectAll()
      .where('collection', '=', op.collection)
      .where('doc_id', '=', op.docId)
      .orderBy('position')
      .execute();
    return refoldedState(this.#env.identity, op, rows);
  }
}
