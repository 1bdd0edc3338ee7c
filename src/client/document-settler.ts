/**
 * Settling documents: new logged ops (from a pull), a new base (from a snapshot), or a view left
 * stale are folded into a document's stored states (`document-rebase.ts`), in two phases:
 *
 * 1. `fetchMissingOps`, outside any lock: finds the documents whose reducer must re-fold but
 *    whose logged ops the replica does not hold (it has them from a snapshot), and fetches
 *    their ops from the server (`GET /v1/ops/...`).
 * 2. `settleDocument`, inside the write transaction: computes the states with those ops and
 *    queues their writes (`SettleWrites`, applied together once every document is settled). A
 *    document whose view still needs ops (a mutation raced the fetch, or the server would not
 *    give them) is marked stale and settled by a later cycle; its logged ops are kept, so
 *    nothing pulled is lost.
 *
 * Both phases read what they need of the store for all the documents at once (`readForSettling`):
 * each document's reads and writes concern it alone, so reading them all first and writing them
 * all last leaves what settling one after the other would.
 *
 * Invariants:
 * 1. A pulled op already known by its dot is ignored (DESIGN.md section 5).
 * 2. An outbox op that the base now holds has come back logged: it leaves the outbox.
 * 3. One settlement per document in a pass.
 */
import * as E from 'fp-ts/lib/Either.js';
import { dotKey } from '../domain/ids.ts';
import type { LoggedOp } from '../domain/operation.ts';
import { covers, get } from '../domain/version-vector.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { conflictsOf } from '../projections/conflicts.ts';
import { type DocumentState, fold } from '../projections/document-state.ts';
import { conflictNews } from './conflict-news.ts';
import { type RebaseResult, rebaseDocument } from './document-rebase.ts';
import { asPending, type ReplicaContext } from './replica-context.ts';
import {
  type DocKey,
  docKeyText,
  type OutboxEntry,
  type ReplicaStore,
  type StoredDocument,
} from './store/replica-store.ts';
import { storedStateKept, viewTextOf } from './store/stored-json.ts';
import type { SyncTransport, TransportError } from './transports/sync-transport.ts';

/** A document to settle and the logged ops new to it (none for a snapshot base or a stale view). */
export interface Settlement {
  readonly key: DocKey;
  readonly incoming: readonly LoggedOp[];
}

/** Every logged op of some documents, fetched from the server, by `docKeyText`. */
export type FetchedOps = ReadonlyMap<string, readonly LoggedOp[]>;

/** What settling one document did. */
export interface SettledDocument {
  readonly viewChanged: boolean;
  /** Conflict records, new or changed, on a document this device has written. */
  readonly conflicts: readonly ConflictRecord[];
}

/** What settling some documents reads of the store, read for all of them at once. */
export interface SettleReads {
  readonly docs: ReadonlyMap<string, StoredDocument>;
  readonly pending: ReadonlyMap<string, readonly OutboxEntry[]>;
  /** The incoming ops' dots already logged in the generation, by `dotKey`. */
  readonly known: ReadonlySet<string>;
}

/** Reads what settling `settlements` needs, in a few queries. */
export const readForSettling = async (
  store: ReplicaStore,
  generation: number,
  settlements: readonly Settlement[],
): Promise<SettleReads> => {
  const keys = settlements.map((settlement) => settlement.key);
  return {
    docs: await store.documents(keys),
    pending: await store.pendingOfDocuments(keys),
    known: await store.knownDots(
      settlements.flatMap((settlement) => settlement.incoming),
      generation,
    ),
  };
};

/** The writes of settled documents, applied together (each concerns one document). */
export class SettleWrites {
  readonly #logged: LoggedOp[] = [];
  readonly #returned: number[] = [];
  readonly #deleted: DocKey[] = [];
  readonly #put: StoredDocument[] = [];

  logged(ops: readonly LoggedOp[]): void {
    this.#logged.push(...ops);
  }

  returned(seqs: readonly number[]): void {
    this.#returned.push(...seqs);
  }

  delete(key: DocKey): void {
    this.#deleted.push(key);
  }

  put(doc: StoredDocument): void {
    this.#put.push(doc);
  }

  /** Writes everything queued, in the caller's transaction. */
  async apply(store: ReplicaStore, generation: number): Promise<void> {
    await store.addLoggedOps(this.#logged, generation);
    await store.removeFromOutbox(this.#returned);
    for (const key of this.#deleted) await store.deleteDocument(key);
    await store.putDocuments(this.#put);
  }
}

interface Prepared {
  readonly doc: StoredDocument | undefined;
  readonly incoming: readonly LoggedOp[];
  readonly pending: readonly OutboxEntry[];
  readonly complete: boolean;
  readonly result: RebaseResult;
}

const uniqueByDot = (ops: readonly LoggedOp[]): LoggedOp[] => {
  const seen = new Map<string, LoggedOp>();
  for (const op of ops) if (!seen.has(dotKey(op))) seen.set(dotKey(op), op);
  return [...seen.values()];
};

/** Computes the states from what was read (without writing). */
const prepare = async (
  store: ReplicaStore,
  context: Pick<ReplicaContext, 'author' | 'deviceId'>,
  generation: number,
  settlement: Settlement,
  fetched: readonly LoggedOp[] | undefined,
  reads: SettleReads,
): Promise<Prepared> => {
  const { key } = settlement;
  const text = docKeyText(key);
  const doc = reads.docs.get(text);
  const storedBase = doc?.base ?? null;
  const unique = uniqueByDot(settlement.incoming);
  // A document from a snapshot holds every op its version vector covers: the log appends
  // each device's ops in seq order, and the snapshot was taken at one cursor.
  const snapshotVv = doc !== undefined && !doc.complete && storedBase !== null ? storedBase.vv : {};
  const incoming = unique.filter((op) => !reads.known.has(dotKey(op)) && !covers(snapshotVv, op));
  const pending = reads.pending.get(text) ?? [];
  // A pending op whose seq the base already covers, or that comes back now among the incoming
  // ops, is left out by the rebase (its own device's entry in the base covers it): its op is not
  // decoded for that.
  let ownSeen = storedBase === null ? 0 : get(storedBase.vv, context.deviceId);
  for (const op of incoming)
    if (op.deviceId === context.deviceId) ownSeen = Math.max(ownSeen, op.seq);
  const pendingOps = pending
    .filter((entry) => entry.seq > ownSeen)
    .map((entry) => asPending(context, entry.op));
  const input = {
    collection: key.collection,
    docId: key.docId,
    base: storedBase,
    incoming,
    pending: pendingOps,
  };
  if (fetched !== undefined) {
    // With every logged op at hand, the base is their fold, whatever was stored.
    const all = [...fetched, ...(await store.loggedOps(key, generation)), ...incoming];
    const base = all.length > 0 ? fold(key.collection, key.docId, all) : storedBase;
    const result = rebaseDocument({ ...input, base, logged: all, incoming: [] });
    return { doc, incoming, pending, complete: true, result };
  }
  const complete = doc === undefined || doc.complete;
  if (!complete && storedBase === null) {
    // From a snapshot whose reducer metadata could not be read: only its ops can tell.
    return { doc, incoming, pending, complete, result: { kind: 'base_needs_ops' } };
  }
  let result = rebaseDocument({ ...input, logged: 'not_loaded' });
  if (result.kind !== 'settled' && complete) {
    result = rebaseDocument({ ...input, logged: await store.loggedOps(key, generation) });
  }
  return { doc, incoming, pending, complete, result };
};

/** Phase 1: the documents that need their ops from the server, and those ops. */
export const fetchMissingOps = async (
  context: Pick<ReplicaContext, 'store' | 'author' | 'deviceId'>,
  transport: SyncTransport,
  generation: number,
  settlements: readonly Settlement[],
): Promise<E.Either<TransportError, FetchedOps>> => {
  const fetched = new Map<string, readonly LoggedOp[]>();
  // Only a document held without its logged ops (from a snapshot) may need them: for any other,
  // `prepare` answers `complete`. Most settlements are of such documents, so they are not read.
  const incomplete = await context.store.incompleteDocuments(settlements.map((s) => s.key));
  const candidates = settlements.filter((s) => incomplete.has(docKeyText(s.key)));
  if (candidates.length === 0) return E.right(fetched);
  const reads = await readForSettling(context.store, generation, candidates);
  for (const settlement of candidates) {
    const text = docKeyText(settlement.key);
    if (fetched.has(text)) continue;
    const prepared = await prepare(
      context.store,
      context,
      generation,
      settlement,
      undefined,
      reads,
    );
    if (prepared.result.kind === 'settled' || prepared.complete) continue;
    const ops = await transport.documentOps(settlement.key.collection, settlement.key.docId);
    if (E.isLeft(ops)) {
      // A document the server no longer shows this device stays stale; anything else fails.
      if (ops.left.kind === 'http' && ops.left.status === 404) continue;
      return ops;
    }
    fetched.set(text, ops.right);
  }
  return E.right(fetched);
};

const ownCovered = (
  base: DocumentState | null,
  deviceId: string,
  pending: readonly OutboxEntry[],
): number[] =>
  base === null ? [] : pending.filter((e) => e.seq <= get(base.vv, deviceId)).map((e) => e.seq);

const touchesDevice = (base: DocumentState | null, deviceId: string, pending: boolean): boolean =>
  pending || (base !== null && get(base.vv, deviceId) > 0);

/**
 * Phase 2: computes one document's states and queues their writes, inside the caller's
 * transaction (`reads` read in it).
 */
export const settleDocument = async (
  store: ReplicaStore,
  context: Pick<ReplicaContext, 'author' | 'deviceId'>,
  generation: number,
  settlement: Settlement,
  fetched: FetchedOps,
  reads: SettleReads,
  writes: SettleWrites,
): Promise<SettledDocument> => {
  const { key } = settlement;
  const fetchedOps = fetched.get(docKeyText(key));
  const { doc, incoming, pending, complete, result } = await prepare(
    store,
    context,
    generation,
    settlement,
    fetchedOps,
    reads,
  );
  writes.logged([...(fetchedOps ?? []), ...incoming]);
  const oldBase = doc?.base ?? null;
  const base = result.kind === 'base_needs_ops' ? oldBase : result.base;
  const returned = ownCovered(base, context.deviceId, pending);
  writes.returned(returned);
  const stillPending = pending.length > returned.length;
  const view = result.kind === 'settled' ? result.view : doc?.view;
  if (view === undefined) {
    // A document never seen whose ops could not be had: nothing to show yet.
    return { viewChanged: false, conflicts: [] };
  }
  if (base === null && !stillPending) {
    // Nothing logged and nothing pending: the device no longer holds the document.
    writes.delete(key);
    return { viewChanged: doc?.view.created === true, conflicts: [] };
  }
  writes.put({
    ...key,
    base,
    complete: complete && result.kind !== 'base_needs_ops',
    view,
    stale: result.kind !== 'settled',
    generation: doc?.generation ?? generation,
    pending: stillPending,
  });
  const news =
    base !== null && touchesDevice(base, context.deviceId, stillPending)
      ? conflictNews(oldBase === null ? [] : conflictsOf(oldBase), conflictsOf(base))
      : [];
  // Compared by their stored texts: the old one is the row's (its view is not decoded for
  // this), the new one is made once and written. Equal texts are equal states; equal states
  // with texts in another key order (a row written by an older version) give a harmless
  // extra notice.
  const viewChanged = doc === undefined || viewTextOf(doc) !== storedStateKept(view);
  return { viewChanged, conflicts: news };
};
