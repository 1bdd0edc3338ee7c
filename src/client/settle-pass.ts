/**
 * A settle pass: fetches the ops some documents miss (outside the write queue, so the app can
 * keep writing while the network is slow), then settles them all and the caller's own writes
 * (a cursor, a clock) in one transaction, and tells the app what changed.
 *
 * Invariant: the caller's writes commit together with the documents they concern, or neither
 * does (a pull page and its cursor, for instance).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import {
  fetchMissingOps,
  readForSettling,
  type Settlement,
  SettleWrites,
  settleDocument,
} from './document-settler.ts';
import type { ReplicaContext } from './replica-context.ts';
import type { ReplicaMeta } from './store/replica-meta.ts';
import type { ReplicaStore } from './store/replica-store.ts';
import { CorruptReplicaError } from './store/stored-json.ts';
import type { TransportError } from './transports/sync-transport.ts';

/** Writes made in the pass's transaction, after the documents are settled. */
export type PassWrites = (store: ReplicaStore, meta: ReplicaMeta) => Promise<void>;

/** Reads the replica's meta; a replica without one was never opened (a bug). */
export const requireMeta = async (store: ReplicaStore): Promise<ReplicaMeta> => {
  const meta = await store.meta();
  if (meta === undefined) throw new CorruptReplicaError('meta', 'missing');
  return meta;
};

/**
 * Settles documents (see `document-settler.ts`; one settlement per document) and runs `writes`
 * in the same transaction.
 */
export const settlePass = async (
  context: ReplicaContext,
  settlements: readonly Settlement[],
  writes: PassWrites = async () => {},
): Promise<E.Either<TransportError, void>> => {
  const { generation } = await requireMeta(context.store);
  const fetched = await fetchMissingOps(context, context.transport, generation, settlements);
  if (E.isLeft(fetched)) return fetched;
  const changed = new Map<CollectionName, string[]>();
  const conflicts: ConflictRecord[] = [];
  await context.writes.run(() =>
    context.store.transaction(async (store) => {
      const meta = await requireMeta(store);
      const reads = await readForSettling(store, meta.generation, settlements);
      const settled = new SettleWrites();
      for (const settlement of settlements) {
        const result = await settleDocument(
          store,
          context,
          meta.generation,
          settlement,
          fetched.right,
          reads,
          settled,
        );
        if (result.viewChanged) {
          const { collection, docId } = settlement.key;
          changed.set(collection, [...(changed.get(collection) ?? []), docId]);
        }
        conflicts.push(...result.conflicts);
      }
      await settled.apply(store, meta.generation);
      await writes(store, meta);
    }),
  );
  for (const [collection, docIds] of changed) {
    context.events.emit({ type: 'changed', collection, docIds });
  }
  for (const conflict of conflicts) context.events.emit({ type: 'conflict', conflict });
  return E.right(undefined);
};

/** Settles every document marked stale. */
export const settleStale = async (
  context: ReplicaContext,
): Promise<E.Either<TransportError, void>> => {
  const stale = await context.store.staleDocuments();
  if (stale.length === 0) return E.right(undefined);
  return settlePass(
    context,
    stale.map((key) => ({ key, incoming: [] })),
  );
};
