/**
 * Bootstrapping from a snapshot (PROTOCOL.md, GET /v1/snapshot), one page per step: a new
 * device, or one whose cursor the server no longer knows (`reset_required`).
 *
 * Invariants:
 * 1. The first page starts a new generation and clears the cursor; what an earlier bootstrap
 *    left behind is recognised by its generation.
 * 2. A page is written in one transaction with the bootstrap's progress (the snapshot's cursor
 *    and the next page, `replica-meta.ts`): a bootstrap cut short (a failed request, a killed
 *    process) goes on from the next page, in the same generation. The transaction is
 *    `refetchable` (it does not wait for the disk): a power cut may undo the last pages, which
 *    are then fetched again; the outbox is never written in it. A page whose cursor is not the
 *    one of the pages written before it is of another snapshot: nothing of it is written, and
 *    the bootstrap starts over (`snapshot_moved`).
 * 3. Each document's base becomes the snapshot's state (its `meta`); its view is settled again
 *    with the pending ops on top. Pending ops are never dropped: those the snapshot holds have
 *    come back logged, the others stay in the outbox. A document without pending ops whose
 *    base could be read is settled as it is written (its view is its base, as a settle pass
 *    would find); the others are marked stale and settled by a settle pass. A document the
 *    device did not hold is written from the snapshot's packed state as it came, without
 *    unpacking it, unless a field of it is tied (`materializePacked`).
 * 4. Only the last page sets the cursor, and it drops the base of every document the snapshot
 *    did not hold (a document the device can no longer see keeps only its pending ops).
 * 5. A page is written and let go (slice by slice) before the next is used; the next is asked
 *    for while the page is written (`pages-ahead.ts`), so memory holds one parsed page and
 *    the bytes of the next (two parsed pages with a transport that cannot hold an answer unread).
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import { type DocumentState, emptyState } from '../projections/document-state.ts';
import { materializePacked } from '../projections/materialize.ts';
import {
  encodeState,
  packedStateFromSnapshotMeta,
  stateFromSnapshotMeta,
} from '../projections/state-codec.ts';
import type { SnapshotPages } from './pages-ahead.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta, settleStale } from './settle-pass.ts';
import { inChunks } from './store/parameter-chunks.ts';
import {
  docKeyText,
  type ReplicaStore,
  type SnapshotBase,
  type StoredDocument,
} from './store/replica-store.ts';
import type { SyncEvent } from './sync-machine.ts';
import type { TransportError } from './transports/sync-transport.ts';
import type { SnapshotDoc } from './transports/wire-answers.ts';

/** Documents read and written at once when the last page drops the bases of the others. */
const ORPHAN_BATCH = 1000;
/** Documents of a page encoded and written at once. */
const WRITE_SLICE = 500;

/**
 * A page being written: its documents are taken off `docs` slice by slice as they are written,
 * so the ones written can be collected while the others are (the page is held nowhere else).
 */
interface PageInWriting {
  readonly cursor: string;
  readonly nextPage: string | null;
  readonly docs: SnapshotDoc[];
}

/** A page's transaction: a power cut may undo it, and the bootstrap then fetches it again. */
const REFETCHABLE = { refetchable: true } as const;

/** What writing a page did. */
type PageWrite =
  | { readonly kind: 'moved' }
  | { readonly kind: 'written'; readonly changed: ReadonlyMap<CollectionName, readonly string[]> };

/** Starts a new generation: the cursor and any progress are cleared, old logged ops forgotten. */
const beginBootstrap = (context: ReplicaContext): Promise<void> =>
  context.writes.run(() =>
    context.store.transaction(async (store) => {
      const meta = await requireMeta(store);
      const generation = meta.generation + 1;
      await store.forgetLoggedOpsBefore(generation, context.deviceId);
      await store.saveMeta({ ...meta, generation, cursor: null, bootstrap: null });
    }),
  );

/** The state a snapshot document carries, if it reads as the state of that very document. */
const baseOf = (doc: SnapshotDoc): DocumentState | null => {
  const state = stateFromSnapshotMeta(doc.meta);
  return E.isRight(state) &&
    state.right.collection === doc.collection &&
    state.right.docId === doc.docId
    ? state.right
    : null;
};

/**
 * The snapshot document as a base written without unpacking its state (what `writePage` would
 * write for a document the device does not hold and has nothing pending of), when its state is
 * of that very document and has no tie; undefined otherwise, for the full path.
 */
const freshBaseOf = (doc: SnapshotDoc, generation: number): SnapshotBase | undefined => {
  const packed = packedStateFromSnapshotMeta(doc.meta);
  if (packed === undefined || packed.collection !== doc.collection || packed.docId !== doc.docId) {
    return undefined;
  }
  const shown = materializePacked(packed);
  if (shown === undefined) return undefined;
  return {
    collection: doc.collection,
    docId: doc.docId,
    state: JSON.stringify(packed),
    shown,
    generation,
  };
};

/**
 * A snapshot document as the device's document (invariant 3), given what the device held of it
 * and whether it has ops of it pending; a held view that the snapshot changes is noted in
 * `changed`.
 */
const documentOf = (
  doc: SnapshotDoc,
  before: StoredDocument | undefined,
  pending: boolean,
  generation: number,
  changed: Map<CollectionName, string[]>,
): StoredDocument => {
  const key = { collection: doc.collection, docId: doc.docId };
  const base = baseOf(doc);
  if (base !== null && !pending) {
    if (before !== undefined && encodeState(before.view) !== encodeState(base)) {
      changed.set(key.collection, [...(changed.get(key.collection) ?? []), key.docId]);
    }
    return { ...key, base, complete: false, view: base, stale: false, generation, pending: false };
  }
  return {
    ...key,
    base,
    complete: false,
    view: before?.view ?? base ?? emptyState(doc.collection, doc.docId),
    stale: true,
    generation,
    pending: before?.pending ?? false,
  };
};

/** Drops the base of every document of a bootstrap before `generation` (invariant 4). */
const dropOrphans = async (store: ReplicaStore, generation: number): Promise<void> => {
  for (const keys of inChunks(await store.documentsBefore(generation), ORPHAN_BATCH)) {
    const orphans = await store.documents(keys);
    await store.putDocuments(
      [...orphans.values()].map((doc) => ({ ...doc, base: null, complete: true, stale: true })),
    );
  }
};

/** Writes a page's documents as new bases (invariants 2 to 4), and the bootstrap's progress. */
const writePage = (context: ReplicaContext, page: PageInWriting): Promise<PageWrite> =>
  context.writes.run(() =>
    context.store.transaction(async (store): Promise<PageWrite> => {
      const meta = await requireMeta(store);
      const progress = meta.bootstrap ?? null;
      if (progress !== null && progress.cursor !== page.cursor) return { kind: 'moved' };
      const keys = page.docs.map((doc) => ({ collection: doc.collection, docId: doc.docId }));
      const existing = await store.documents(keys);
      const pending = await store.pendingKeys(keys);
      const changed = new Map<CollectionName, string[]>();
      // Slice by slice, so that only a slice's encoded rows are held at once.
      while (page.docs.length > 0) {
        const slice = page.docs.splice(0, WRITE_SLICE);
        const fresh: SnapshotBase[] = [];
        const rows: StoredDocument[] = [];
        for (const doc of slice) {
          const key = { collection: doc.collection, docId: doc.docId };
          const text = docKeyText(key);
          const before = existing.get(text);
          const freshBase =
            before === undefined && !pending.has(text)
              ? freshBaseOf(doc, meta.generation)
              : undefined;
          if (freshBase !== undefined) {
            fresh.push(freshBase);
            continue;
          }
          rows.push(documentOf(doc, before, pending.has(text), meta.generation, changed));
        }
        await store.putSnapshotBases(fresh);
        await store.putDocuments(rows);
      }
      if (page.nextPage !== null) {
        await store.saveMeta({
          ...meta,
          bootstrap: { cursor: page.cursor, nextPage: page.nextPage },
        });
      } else {
        await dropOrphans(store, meta.generation);
        await store.saveMeta({ ...meta, cursor: page.cursor, bootstrap: null });
      }
      return { kind: 'written', changed };
    }, REFETCHABLE),
  );

/** The page's answer, as a page to write (its answer is then held nowhere). */
const takePage = async (
  pages: SnapshotPages,
  page: string | null,
): Promise<E.Either<TransportError, PageInWriting>> => {
  const answer = await pages.take(page);
  if (E.isLeft(answer)) return answer;
  const { cursor, nextPage, docs } = answer.right;
  return E.right({ cursor, nextPage, docs: [...docs] });
};

/**
 * Fetches one snapshot page and writes it (`page` null: the first, which starts a new
 * generation; otherwise a page named by the previous one, possibly from a bootstrap cut short).
 * `pages` are the cycle's pages, one asked ahead.
 */
export const snapshotStep = async (
  context: ReplicaContext,
  page: string | null,
  pages: SnapshotPages,
): Promise<SyncEvent> => {
  if (page === null) await beginBootstrap(context);
  const taken = await takePage(pages, page);
  if (E.isLeft(taken)) {
    return { kind: 'failed', failure: { kind: 'transport', error: taken.left } };
  }
  const { nextPage } = taken.right;
  if (nextPage !== null) pages.askAhead(nextPage);
  const written = await writePage(context, taken.right);
  if (written.kind === 'moved') return { kind: 'snapshot_moved' };
  for (const [collection, docIds] of written.changed) {
    context.events.emit({ type: 'changed', collection, docIds });
  }
  const settled = await settleStale(context);
  if (E.isLeft(settled)) {
    return { kind: 'failed', failure: { kind: 'transport', error: settled.left } };
  }
  return { kind: 'snapshot_page', nextPage };
};
