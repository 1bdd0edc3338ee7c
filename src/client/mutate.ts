/**
 * Applying a mutation: the op is authored (`author-op.ts`), written to the durable outbox and
 * folded into the optimistic view, all in one transaction, before the caller gets an answer.
 *
 * Invariants:
 * 1. When `mutate` resolves with an op, that op is committed in the outbox: a process killed
 *    right after loses nothing, and the next push sends it.
 * 2. The seq and the clock are read and advanced inside the same transaction, behind the
 *    replica's write queue, so two mutations never share a seq.
 * 3. The view advances through the server's reducer (`apply`); in the rare case it needs the
 *    document's whole history it is marked stale and settled by the next sync.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { OpError } from '../domain/errors.ts';
import type { Operation } from '../domain/operation.ts';
import { merge } from '../domain/version-vector.ts';
import { apply, emptyState } from '../projections/document-state.ts';
import { authorOp, type Mutation } from './author-op.ts';
import { asPending, type ReplicaContext } from './replica-context.ts';
import { CorruptReplicaError } from './store/stored-json.ts';

/** Authors, persists and applies a mutation; the op, or why it was refused. */
export const mutate = async (
  context: ReplicaContext,
  mutation: Mutation,
): Promise<E.Either<OpError, Operation>> => {
  const key = { collection: mutation.collection, docId: mutation.docId };
  const result = await context.writes.run(() =>
    context.store.transaction(async (store): Promise<E.Either<OpError, Operation>> => {
      const meta = await store.meta();
      if (meta === undefined) throw new CorruptReplicaError('meta', 'missing');
      const doc = await store.document(key);
      const now = context.now();
      const authored = authorOp(mutation, {
        deviceId: context.deviceId,
        nextSeq: meta.nextSeq,
        clock: meta.clock,
        now,
        current: {
          exists: doc?.view.created === true || doc?.base?.created === true,
          vv: merge(doc?.view.vv ?? {}, doc?.base?.vv ?? {}),
        },
      });
      if (E.isLeft(authored)) return authored;
      const { op, clock } = authored.right;
      const current = doc?.view ?? emptyState(mutation.collection, op.docId);
      const applied = apply(current, asPending(context, op));
      await store.addToOutbox({ seq: op.seq, op, createdAt: now, ackedCursor: null });
      await store.putDocument({
        ...key,
        base: doc?.base ?? null,
        complete: doc?.complete ?? true,
        view: applied.kind === 'applied' ? applied.state : current,
        stale: (doc?.stale ?? false) || applied.kind !== 'applied',
        generation: doc?.generation ?? meta.generation,
        pending: true,
      });
      await store.saveMeta({ ...meta, nextSeq: meta.nextSeq + 1, clock });
      return E.right(op);
    }),
  );
  if (E.isRight(result)) {
    context.events.emit({ type: 'changed', collection: key.collection, docIds: [key.docId] });
  }
  return result;
};
