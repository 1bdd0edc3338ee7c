/**
 * One pull page (PROTOCOL.md, GET /v1/pull): its ops are settled into their documents, and the
 * cursor, the clock and the next seq advance in the same transaction.
 *
 * Invariants:
 * 1. The cursor moves to the page's `next` only together with the page's ops: a process killed
 *    mid-page pulls the page again, and the replica ignores what it already holds.
 * 2. The clock receives every pulled op's rank time (`min(hlc.ms, receivedAt)`), so the device's
 *    next op ranks after what it has seen, yet a remote clock in the future cannot drag it there.
 * 3. An own op logged with a seq the replica has not reached yet (a device restored from an old
 *    copy of its file) moves `nextSeq` past it: no seq is ever reused.
 */
import * as E from 'fp-ts/lib/Either.js';
import { receive } from '../domain/hlc.ts';
import type { LoggedOp } from '../domain/operation.ts';
import type { Settlement } from './document-settler.ts';
import type { PullPages } from './pages-ahead.ts';
import type { ReplicaContext } from './replica-context.ts';
import { requireMeta, settlePass, settleStale } from './settle-pass.ts';
import { docKeyText } from './store/replica-store.ts';
import type { SyncEvent } from './sync-machine.ts';
import type { TransportError } from './transports/sync-transport.ts';

/** Ops asked for per pull page. */
export const PULL_LIMIT = 1000;

/** The page's ops grouped by document, in page order. */
export const settlementsOf = (ops: readonly LoggedOp[]): readonly Settlement[] => {
  const byDoc = new Map<string, { key: Settlement['key']; incoming: LoggedOp[] }>();
  for (const op of ops) {
    const key = { collection: op.collection, docId: op.docId };
    const entry = byDoc.get(docKeyText(key)) ?? { key, incoming: [] };
    entry.incoming.push(op);
    byDoc.set(docKeyText(key), entry);
  }
  return [...byDoc.values()];
};

/** Pulls one page after the replica's cursor (`pages`: asked ahead, see there) and settles it. */
export const pullStep = async (
  context: ReplicaContext,
  pages: PullPages,
): Promise<{ readonly event: SyncEvent; readonly pulled: number }> => {
  const { cursor } = await requireMeta(context.store);
  if (cursor === null) {
    return {
      event: { kind: 'failed', failure: { kind: 'protocol', message: 'pull without a cursor' } },
      pulled: 0,
    };
  }
  const page = await pages.take(cursor);
  if (E.isLeft(page)) {
    return {
      event: { kind: 'failed', failure: { kind: 'transport', error: page.left } },
      pulled: 0,
    };
  }
  const { ops, next, hasMore } = page.right;
  // The server reads the next page while this one is settled; it is used once the cursor has
  // moved to `next` (invariant 1).
  if (hasMore) pages.askAhead(next);
  const settled = await settlePass(context, settlementsOf(ops), async (store, meta) => {
    let clock = meta.clock;
    let nextSeq = meta.nextSeq;
    const now = context.now();
    for (const op of ops) {
      clock = receive(clock, { ms: Math.min(op.hlc.ms, op.receivedAt), n: op.hlc.n }, now);
      if (op.deviceId === context.deviceId && op.seq >= nextSeq) nextSeq = op.seq + 1;
    }
    await store.saveMeta({ ...meta, cursor: next, clock, nextSeq });
  });
  if (E.isLeft(settled)) {
    return {
      event: { kind: 'failed', failure: { kind: 'transport', error: settled.left } },
      pulled: 0,
    };
  }
  return { event: { kind: 'pulled', hasMore }, pulled: ops.length };
};

/**
 * Drops the ops the server accepted before a pull began that the pull, having reached the head,
 * did not bring back: the device cannot see them (their document's scope is elsewhere), so
 * they leave its outbox and its view.
 */
export const dropUnreturned = async (
  context: ReplicaContext,
  answeredBeforePull: readonly number[],
): Promise<E.Either<TransportError, number>> => {
  const dropped = await context.writes.run(() =>
    context.store.transaction(async (store) => {
      const still = new Set(await store.answeredSeqs());
      const seqs = answeredBeforePull.filter((seq) => still.has(seq));
      if (seqs.length === 0) return 0;
      const ops = await store.ownOps(context.deviceId, seqs);
      await store.removeFromOutbox(seqs);
      await store.markStale(
        [...ops.values()].map((op) => ({ collection: op.collection, docId: op.docId })),
      );
      return seqs.length;
    }),
  );
  if (dropped === 0) return E.right(0);
  const settled = await settleStale(context);
  return E.isLeft(settled) ? settled : E.right(dropped);
};
