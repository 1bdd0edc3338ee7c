/**
 * Bootstrapping from a snapshot (PROTOCOL.md, GET /v1/snapshot), one page per step: a new
 * device, or one whose cursor the server no longer knows (`reset_required`).
 *
 * Invariants:
 * 1. The first page starts a new generation and clears the cursor, so a bootstrap cut short
 *    (a killed process, a failed page) starts over, and what it left is recognised by its
 *    generation.
 * 2. Each document's base becomes the snapshot's state (its `meta`); its view is settled again
 *    with the pending ops on top. Pending ops are never dropped: those the snapshot holds have
 *    come back logged, the others stay in the outbox.
 * 3. Only the last page sets the cursor, and it drops the base of every document the snapshot
 *    did not hold (a document the device can no longer see keeps only its pending ops).
 */
import * as E from 'fp-ts/lib/Either.js';
import { emptyState } from '../projections/document-state.ts';
import { stateFromSnapshotMeta } from '../projections/state-codec.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta, settleStale } from './settle-pass.ts';
import type { SyncEvent } from './sync-machine.ts';
import type { SnapshotAnswer } from './transports/wire-answers.ts';

/** Starts a new generation: the cursor is cleared and old logged ops of other devices forgotten. */
const beginBootstrap = (context: ReplicaContext): Promise<void> =>
  context.writes.run(() =>
    context.store.transaction(async (store) => {
      const meta = await requireMeta(store);
      const generation = meta.generation + 1;
      await store.forgetLoggedOpsBefore(generation, context.deviceId);
      await store.saveMeta({ ...meta, generation, cursor: null });
    }),
  );

/** Writes a page's documents as new bases, their views to be settled. */
const writePage = (context: ReplicaContext, page: SnapshotAnswer): Promise<void> =>
  context.writes.run(() =>
    context.store.transaction(async (store) => {
      const meta = await requireMeta(store);
      for (const doc of page.docs) {
        const key = { collection: doc.collection, docId: doc.docId };
        const existing = await store.document(key);
        const state = stateFromSnapshotMeta(doc.meta);
        const base =
          E.isRight(state) &&
          state.right.collection === doc.collection &&
          state.right.docId === doc.docId
            ? state.right
            : null;
        await store.putDocument({
          ...key,
          base,
          complete: false,
          view: existing?.view ?? base ?? emptyState(doc.collection, doc.docId),
          stale: true,
          generation: meta.generation,
          pending: existing?.pending ?? false,
        });
      }
      if (page.nextPage !== null) return;
      const orphans = await store.documentsBefore(meta.generation);
      for (const key of orphans) {
        const existing = await store.document(key);
        if (existing === undefined) continue;
        await store.putDocument({ ...existing, base: null, complete: true, stale: true });
      }
      await store.saveMeta({ ...meta, cursor: page.cursor });
    }),
  );

/** Fetches one snapshot page (`page` null: the first, which starts a new generation). */
export const snapshotStep = async (
  context: ReplicaContext,
  page: string | null,
): Promise<SyncEvent> => {
  if (page === null) await beginBootstrap(context);
  const answer = await context.transport.snapshot(page);
  if (E.isLeft(answer)) {
    return { kind: 'failed', failure: { kind: 'transport', error: answer.left } };
  }
  await writePage(context, answer.right);
  const settled = await settleStale(context);
  if (E.isLeft(settled)) {
    return { kind: 'failed', failure: { kind: 'transport', error: settled.left } };
  }
  return { kind: 'snapshot_page', nextPage: answer.right.nextPage };
};
