/**
 * One chunk of an append on TablesDB, planned from the head it starts at: the TablesDB
 * counterpart of `src/log/append-session.ts`, with the same checks in the same order, run by
 * the same pure domain and projection code and the same append rules
 * (`src/log/append-rules.ts`). Nothing is written here: the plan lists the rows
 * to stage, and `appendUnderHead` stages them with the head's update and commits.
 *
 * Invariants:
 * 1. The plan reads the committed store only, and is valid only while the head stays where it
 *    started; `appendUnderHead` re-plans from scratch otherwise. So `head + 1` is the next
 *    position, and positions follow commit order.
 * 2. Checks run in PROTOCOL.md's order (codec, permissions, business rules); a rejected op goes
 *    to the quarantine with its seq consumed.
 * 3. An accepted op gets its position, scope, author, receive time, flags, hash-chain link,
 *    visibility rows and its document's projection and conflict records, all staged in the
 *    chunk's transaction, with the device's row and the sync-heads rows of every facility
 *    that can see the chunk's ops.
 * 4. Ops of the chunk that are not committed yet are seen by the chunk's own reads (a re-fold,
 *    a reveal) from memory, as the SQL log's flushed rows are seen by its transaction.
 */
import * as E from 'fp-ts/lib/Either.js';
import { Query } from 'node-appwrite';
import type { OpError } from '../../../domain/errors.ts';
import {
  type DecodedOp,
  decodeOperation,
  type LoggedOp,
  type Operation,
  type SchemaRegistry,
} from '../../../domain/operation.ts';
import type { Author } from '../../../domain/principal.ts';
import { scopeOf } from '../../../domain/scope.ts';
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
} from '../../../log/append-rules.ts';
import type { DeviceProgress } from '../../../log/device-registry.ts';
import type { CachedDocument } from '../../../log/document-cache.ts';
import { documentKey, patientIdOf } from '../../../log/document-scope.ts';
import type { LogIdentity } from '../../../log/log-identity.ts';
import type { FaultStage } from '../../../log/log-options.ts';
import type { OpRow } from '../../../log/op-rows.ts';
import type { DocumentState } from '../../../projections/document-state.ts';
import type { StagedWrite } from '../log-head-transaction.ts';
import { BatchDocuments } from './batch-documents.ts';
import { stagedWritesOf } from './chunk-writes.ts';
import { OPS_TABLE, QUARANTINE_TABLE, quarantineRowId, readOpsRow } from './log-rows.ts';
import type { LogStore } from './log-store.ts';
import { documentOpRows } from './visible-ops.ts';

/** What a plan needs besides its head. */
export interface PlanEnvironment {
  readonly store: LogStore;
  readonly identity: LogIdentity;
  readonly schemas: SchemaRegistry;
  readonly userFacilities: (userId: string) => readonly string[];
  readonly fault: (stage: FaultStage, index: number) => void;
  /** Decoded raw ops, shared by the plans of one request. */
  readonly decoded: Map<unknown, E.Either<OpError, DecodedOp>>;
}

/** A facility's visibility row at one position, as the plan fills it. */
interface VisibilityRow {
  readonly facility: string;
  readonly at: number;
  readonly revealed: Set<number>;
}

const FOLLOWERS = ['immunization_records', 'notifications'] as const;

/** One chunk's plan (see the module). */
export class ChunkPlan {
  readonly docs: BatchDocuments;
  readonly #env: PlanEnvironment;
  readonly #now: number;
  readonly #startHead: number;
  #head: number;
  readonly #ops: OpRow[] = [];
  readonly #visibility = new Map<string, VisibilityRow>();
  readonly #quarantine: StagedWrite[] = [];
  readonly #facilities = new Set<string>();
  /** Patients the chunk transfers: their followers' rows must follow them (`follower-rows.ts`). */
  readonly transferred = new Set<string>();

  constructor(env: PlanEnvironment, now: number, head: number) {
    this.#env = env;
    this.#now = now;
    this.#head = head;
    this.#startHead = head;
    this.docs = new BatchDocuments(env.store, env.identity);
  }

  /** The position of the last op planned so far. */
  get head(): number {
    return this.#head;
  }

  /** How many positions the chunk takes. */
  get appended(): number {
    return this.#head - this.#startHead;
  }

  /** Decodes a raw op once per request. */
  decode(raw: unknown): E.Either<OpError, DecodedOp> {
    const known = this.#env.decoded.get(raw);
    if (known !== undefined) return known;
    const decoded = decodeOperation(raw, this.#env.schemas);
    this.#env.decoded.set(raw, decoded);
    return decoded;
  }

  /** Loads, in a few lists, what the ops of a chunk will look up. */
  async prefetch(raws: readonly unknown[]): Promise<void> {
    const ops: Operation[] = [];
    for (const raw of raws) {
      const decoded = this.decode(raw);
      if (E.isRight(decoded)) ops.push(decoded.right.op);
    }
    await this.docs.prefetch(ops);
  }

  /** Decodes, checks and plans one op whose dot is the device's next (`AppendSession.process`). */
  async process(
    index: number,
    raw: unknown,
    expected: ExpectedDot,
    device: DeviceProgress,
    author: Author,
    authority: Authority,
  ): Promise<ProcessedOp> {
    this.#env.fault('decode', index);
    const decoded = this.decode(raw);
    if (E.isLeft(decoded)) return this.#reject(raw, expected, device, author, decoded.left);
    const { op, upcastFrom } = decoded.right;
    const wrongDot = dotError(op, expected);
    if (wrongDot !== undefined) return this.#reject(raw, expected, device, author, wrongDot);

    await this.docs.prefetchOp(op);
    const doc = this.docs.get(op.collection, op.docId);
    const lookup = this.docs.lookup(this.#env.userFacilities);
    const scope = scopeOf(op, doc.view, lookup);
    const rules = checkOp(this.docs, lookup, op, doc.view, scope, authority, this.#now);
    if (E.isLeft(rules)) return this.#reject(raw, expected, device, author, rules.left);

    this.#env.fault('append', index);
    const position = this.#head + 1;
    this.#head = position;
    const logged = loggedOpOf(this.#env.identity, op, author, this.#now, position, scope);
    const flags = flagsFor(rules.right, upcastFrom, op.hlc.ms, this.#now);
    const row = chainOp(device, logged, position, flags);
    for (const facility of new Set(scope)) {
      this.#facilities.add(facility);
      this.#visibility.set(`${facility}@${position}`, {
        facility,
        at: position,
        revealed: new Set(),
      });
    }
    const arriving = arrivingAt(doc, lookup, scope);
    if (arriving.length > 0) {
      if (op.collection === 'patients') this.transferred.add(op.docId);
      const revealed = await this.#historyOf(op, position);
      for (const facility of arriving) {
        const visible = this.#visibility.get(`${facility}@${position}`);
        if (visible === undefined) {
          throw new Error(`bug: ${facility} arrives outside the op's scope`);
        }
        for (const p of revealed) visible.revealed.add(p);
      }
    }
    // After the reveal: `#historyOf` reads the planned rows, which must not hold this op yet.
    this.#ops.push(row);

    this.#env.fault('project', index);
    await this.#project(doc, logged, position);
    return { kind: 'accepted', position, op: logged };
  }

  /** Quarantines a rejected op; its seq is consumed. */
  #reject(
    raw: unknown,
    expected: ExpectedDot,
    device: DeviceProgress,
    author: Author,
    error: OpError,
  ): ProcessedOp {
    this.#quarantine.push({
      action: 'create',
      tableId: QUARANTINE_TABLE,
      rowId: quarantineRowId(expected.deviceId, expected.seq),
      data: {
        deviceId: expected.deviceId,
        seq: expected.seq,
        userId: author.userId,
        raw: JSON.stringify(raw) ?? 'null',
        error: JSON.stringify(error),
        receivedAt: this.#now,
      },
    });
    device.ackedSeq = expected.seq;
    return { kind: 'rejected', error };
  }

  /** This chunk's planned op rows of one document. */
  #pendingOf(collection: string, docId: string): readonly OpRow[] {
    return this.#ops.filter((row) => row.collection === collection && row.doc_id === docId);
  }

  /**
   * The positions before `position` of a document's history (for a patient: its own ops and
   * those of every document that follows it), committed or planned in this chunk.
   */
  async #historyOf(op: Operation, position: number): Promise<readonly number[]> {
    const keys = new Set<string>([documentKey(op.collection, op.docId)]);
    if (op.collection === 'patients') {
      for (const collection of FOLLOWERS) {
        const rows = await this.#env.store.all(collection, [
          Query.equal('patientId', op.docId),
          Query.select(['$id']),
        ]);
        for (const row of rows) keys.add(documentKey(collection, row.$id));
      }
      for (const doc of this.docs.dirty()) {
        const key = documentKey(doc.collection, doc.docId);
        if (doc.collection === 'patients') continue;
        if (patientIdOf(doc.collection, doc.view?.data ?? {}) === op.docId) keys.add(key);
        else keys.delete(key);
      }
    }
    const docIds = [...keys].map((key) => key.slice(key.indexOf('/') + 1));
    const committed = await this.#env.store.allWhereIn(OPS_TABLE, 'docId', docIds, [
      Query.lessThan('position', position),
    ]);
    const positions = committed
      .map(readOpsRow)
      .filter((row) => keys.has(documentKey(row.collection, row.doc_id)))
      .map((row) => row.position);
    for (const row of this.#ops) {
      if (keys.has(documentKey(row.collection, row.doc_id))) positions.push(row.position);
    }
    return positions;
  }

  /** Folds the op into its document: incrementally, or from all of its ops when needed. */
  async #project(doc: CachedDocument, op: LoggedOp, position: number): Promise<void> {
    const state = appliedState(doc, op) ?? (await this.#refold(op));
    const latest = this.docs.get(doc.collection, doc.docId);
    this.docs.put(projectedDocument(latest, doc, op, state, position));
  }

  /** The document's state folded from all of its ops, committed or planned in this chunk. */
  async #refold(op: LoggedOp): Promise<DocumentState> {
    const rows = [
      ...(await documentOpRows(this.#env.store, op.collection, op.docId)),
      ...this.#pendingOf(op.collection, op.docId),
    ];
    return refoldedState(this.#env.identity, op, rows);
  }

  /** Every row the chunk stages, the device's row included (see invariant 3). */
  writes(deviceRow: StagedWrite): readonly StagedWrite[] {
    return stagedWritesOf(this.#env.identity, {
      ops: this.#ops,
      visibility: [...this.#visibility.values()],
      quarantine: this.#quarantine,
      documents: this.docs.dirty(),
      lookup: this.docs.lookup(this.#env.userFacilities),
      device: deviceRow,
      heads:
        this.appended > 0 ? { position: this.#head, facilities: [...this.#facilities] } : undefined,
    });
  }
}
