/**
 * A snapshot page written in batches leaves exactly the rows the one-document-at-a-time path
 * left (a copy of it, below): the same documents with the same states, views and flags, the same
 * outbox and logged ops, on a replica with pending ops, documents from an earlier bootstrap,
 * one the snapshot no longer holds and one whose reducer metadata cannot be read.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { snapshotPages } from '../../src/client/pages-ahead.ts';
import type { ReplicaContext } from '../../src/client/replica-context.ts';
import { ReplicaEventHub } from '../../src/client/replica-events.ts';
import { SerialQueue } from '../../src/client/serial-queue.ts';
import { requireMeta, settleStale } from '../../src/client/settle-pass.ts';
import { snapshotStep } from '../../src/client/snapshot-step.ts';
import { KyselyReplicaStore } from '../../src/client/store/kysely-replica-store.ts';
import {
  type OpenStore,
  openReplicaStore,
  sqliteFileStorage,
} from '../../src/client/store/replica-storage.ts';
import type { SyncTransport } from '../../src/client/transports/sync-transport.ts';
import type { SnapshotAnswer } from '../../src/client/transports/wire-answers.ts';
import { DeviceId } from '../../src/domain/ids.ts';
import { Author } from '../../src/domain/principal.ts';
import { emptyState } from '../../src/projections/document-state.ts';
import { stateFromSnapshotMeta } from '../../src/projections/state-codec.ts';
import { type Harness, startHarness } from '../functions/service-harness.ts';
import {
  PRINCIPALS,
  patientData,
  recordData,
  replicaOf,
  rightOf,
  snapshotPagesOf,
  transportAs,
} from './client-fixtures.ts';

const DEVICE = 'tablet-d';
const NOW = Date.parse('2025-06-15T12:00:00.000Z');

/** The snapshot step as it was: one document at a time, then a settle pass over the stale ones. */
const oneByOne = {
  begin: (context: ReplicaContext): Promise<void> =>
    context.writes.run(() =>
      context.store.transaction(async (store) => {
        const meta = await requireMeta(store);
        const generation = meta.generation + 1;
        await store.forgetLoggedOpsBefore(generation, context.deviceId);
        await store.saveMeta({ ...meta, generation, cursor: null });
      }),
    ),
  writePage: (context: ReplicaContext, page: SnapshotAnswer): Promise<void> =>
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
    ),
};

/** The rows of a replica file's tables, in key order, and its meta without the progress. */
const rowsOf = (path: string): unknown => {
  const db = new Database(path, { readonly: true });
  try {
    const meta: unknown = JSON.parse(
      String(db.prepare("select value from replica_meta where key = 'replica'").pluck().get()),
    );
    const settings =
      typeof meta === 'object' && meta !== null
        ? Object.entries(meta).filter(([name]) => name !== 'bootstrap')
        : meta;
    return {
      documents: db.prepare('select * from documents order by collection, doc_id').all(),
      outbox: db.prepare('select * from outbox order by seq').all(),
      loggedOps: db.prepare('select * from logged_ops order by device_id, seq').all(),
      settings,
    };
  } finally {
    db.close();
  }
};

describe('a snapshot page written in batches', () => {
  let harness: Harness;
  let dir: string;
  const stores: OpenStore[] = [];

  beforeEach(async () => {
    harness = await startHarness({ wrapLog: snapshotPagesOf(5) });
    dir = mkdtempSync(join(tmpdir(), 'replica-'));
  });

  afterEach(async () => {
    for (const opened of stores.splice(0)) await opened.close();
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A context on a copy of the device's file, whose transport serves `pages`. */
  const contextOn = async (
    path: string,
    pages: ReadonlyMap<string | null, SnapshotAnswer>,
    changed: string[],
  ): Promise<ReplicaContext> => {
    const opened = await openReplicaStore(sqliteFileStorage(path));
    stores.push(opened);
    const real = transportAs((r) => harness.service.handle(r), 'hwNorth');
    const transport: SyncTransport = {
      ...real,
      snapshot: async (page) => {
        const answer = pages.get(page);
        return answer === undefined
          ? E.left({ kind: 'http', status: 400, code: 'bad_cursor', message: 'unknown page' })
          : E.right(answer);
      },
    };
    const events = new ReplicaEventHub();
    events.on('changed', ({ collection, docIds }) => {
      for (const docId of docIds) changed.push(`${collection}/${docId}`);
    });
    return {
      store: opened.store,
      transport,
      deviceId: rightOf(DeviceId.decode(DEVICE)),
      author: rightOf(Author.decode(PRINCIPALS.hwNorth)),
      now: () => NOW,
      events,
      writes: new SerialQueue(),
    };
  };

  /**
   * Bootstraps copies of the device's file from `pages`, batched (the snapshot step) and one
   * document at a time, and checks that they leave the same rows and announce the same changes;
   * the batched copy is `batched.db` in `dir`.
   */
  const bootstrapBothWays = async (
    devicePath: string,
    pages: ReadonlyMap<string | null, SnapshotAnswer>,
  ): Promise<{ readonly changedBatched: readonly string[] }> => {
    for (const suffix of ['', '-wal', '-shm']) {
      if (!existsSync(devicePath + suffix)) continue;
      copyFileSync(devicePath + suffix, join(dir, `batched.db${suffix}`));
      copyFileSync(devicePath + suffix, join(dir, `one-by-one.db${suffix}`));
    }
    const changedBatched: string[] = [];
    const batched = await contextOn(join(dir, 'batched.db'), pages, changedBatched);
    let page: string | null = null;
    const batchedPages = snapshotPages(batched.transport);
    do {
      const event = await snapshotStep(batched, page, batchedPages);
      if (event.kind !== 'snapshot_page') throw new Error(`unexpected ${JSON.stringify(event)}`);
      page = event.nextPage;
    } while (page !== null);

    const changedOneByOne: string[] = [];
    const reference = await contextOn(join(dir, 'one-by-one.db'), pages, changedOneByOne);
    await oneByOne.begin(reference);
    let next: string | null = null;
    do {
      const answer = pages.get(next);
      if (answer === undefined) throw new Error('missing page');
      await oneByOne.writePage(reference, answer);
      expect(E.isRight(await settleStale(reference))).toBe(true);
      next = answer.nextPage;
    } while (next !== null);

    for (const opened of stores.splice(0)) await opened.close();
    const rows = rowsOf(join(dir, 'batched.db'));
    expect(rows).toEqual(rowsOf(join(dir, 'one-by-one.db')));
    expect([...new Set(changedBatched)].sort()).toEqual([...new Set(changedOneByOne)].sort());
    return { changedBatched };
  };

  it('leaves the same rows as writing one document at a time', async () => {
    const handler = (r: Parameters<typeof harness.service.handle>[0]) => harness.service.handle(r);
    const creator = await replicaOf(handler, 'hwNorth2', 'tablet-creator');
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(rightOf(await creator.patients.create(patientData(`P${i}`))).docId);
    }
    expect((await creator.sync()).ok).toBe(true);
    const [edited, changedElsewhere, dropped, unreadable] = ids;
    if ([edited, changedElsewhere, dropped, unreadable].some((id) => id === undefined)) {
      throw new Error('expected four patients');
    }

    // The device bootstraps, then edits offline: one update and one new patient pending.
    const devicePath = join(dir, 'device.db');
    const device = await replicaOf(handler, 'hwNorth', DEVICE, {
      path: devicePath,
      clock: () => NOW,
    });
    expect((await device.sync()).ok).toBe(true);
    rightOf(await device.patients.update(edited ?? '', { townVillage: 'Gulu' }));
    rightOf(await device.patients.create(patientData('Offline')));
    await device.close();
    // Another device changes a patient the device holds.
    rightOf(await creator.patients.update(changedElsewhere ?? '', { townVillage: 'Lira' }));
    expect((await creator.sync()).ok).toBe(true);
    await creator.close();

    // The snapshot as the server gives it, less one patient, and one with unreadable meta.
    const reader = transportAs(handler, 'hwNorth');
    const pages = new Map<string | null, SnapshotAnswer>();
    let token: string | null = null;
    do {
      const answer: SnapshotAnswer = rightOf(await reader.snapshot(token));
      pages.set(token, {
        ...answer,
        docs: answer.docs
          .filter((doc) => doc.docId !== dropped)
          .map((doc) => (doc.docId === unreadable ? { ...doc, meta: {} } : doc)),
      });
      token = answer.nextPage;
    } while (token !== null);
    expect(pages.size).toBeGreaterThan(2);

    const { changedBatched } = await bootstrapBothWays(devicePath, pages);

    // The cases the comparison is about are there.
    const documents = new Database(join(dir, 'batched.db'), { readonly: true });
    try {
      const flags = (docId: string | undefined): unknown =>
        documents
          .prepare(
            'select complete, stale, pending, base is null as noBase from documents where doc_id = ?',
          )
          .get(docId);
      expect(flags(edited)).toEqual({ complete: 0, stale: 0, pending: 1, noBase: 0 });
      // Nothing pending and no longer in the snapshot: the device no longer holds it.
      expect(flags(dropped)).toBeUndefined();
      expect(flags(unreadable)).toEqual({ complete: 1, stale: 0, pending: 0, noBase: 0 });
      expect(flags(changedElsewhere)).toEqual({ complete: 0, stale: 0, pending: 0, noBase: 0 });
    } finally {
      documents.close();
    }
    expect(changedBatched).toContain(`patients/${changedElsewhere}`);
  });
  it('writes a fresh device the same rows, most of them from the packed states as they came', async () => {
    const handler = (r: Parameters<typeof harness.service.handle>[0]) => harness.service.handle(r);
    const creator = await replicaOf(handler, 'hwNorth2', 'tablet-creator');
    const other = await replicaOf(handler, 'hwNorth', 'tablet-other');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(rightOf(await creator.patients.create(patientData(`P${i}`))).docId);
    }
    const [tied, removed, unreadable] = ids;
    if (tied === undefined || removed === undefined || unreadable === undefined) {
      throw new Error('expected three patients');
    }
    rightOf(await creator.immunizationRecords.create(recordData(tied)));
    expect((await creator.sync()).ok).toBe(true);
    // Two devices change one field of a patient concurrently: its state holds a tie.
    expect((await other.sync()).ok).toBe(true);
    rightOf(await creator.patients.update(tied, { townVillage: 'Lira' }));
    rightOf(await other.patients.update(tied, { townVillage: 'Gulu' }));
    rightOf(await creator.patients.delete(removed));
    expect((await creator.sync()).ok).toBe(true);
    expect((await other.sync()).ok).toBe(true);
    await creator.close();
    await other.close();

    // A device that has never synced.
    const devicePath = join(dir, 'device.db');
    const device = await replicaOf(handler, 'hwNorth', DEVICE, { path: devicePath });
    await device.close();
    const reader = transportAs(handler, 'hwNorth');
    const pages = new Map<string | null, SnapshotAnswer>();
    let token: string | null = null;
    let tiedStates = 0;
    do {
      const answer: SnapshotAnswer = rightOf(await reader.snapshot(token));
      for (const doc of answer.docs) {
        const state = stateFromSnapshotMeta(doc.meta);
        if (E.isRight(state) && Object.values(state.right.maxima).some((m) => m.length > 1)) {
          tiedStates += 1;
        }
      }
      pages.set(token, {
        ...answer,
        docs: answer.docs.map((doc) => (doc.docId === unreadable ? { ...doc, meta: {} } : doc)),
      });
      token = answer.nextPage;
    } while (token !== null);
    expect(tiedStates).toBe(1);

    const written = vi.spyOn(KyselyReplicaStore.prototype, 'putSnapshotBases');
    try {
      await bootstrapBothWays(devicePath, pages);
      const bases = written.mock.calls.flatMap(([b]) => b.map((base) => base.docId));
      // Every document but the tied one and the one whose meta cannot be read.
      const total = [...pages.values()].reduce((n, page) => n + page.docs.length, 0);
      expect(bases).toHaveLength(total - 2);
      expect(bases).not.toContain(tied);
      expect(bases).not.toContain(unreadable);
      expect(bases).toContain(removed);
    } finally {
      written.mockRestore();
    }
    const documents = new Database(join(dir, 'batched.db'), { readonly: true });
    try {
      const row = (docId: string): unknown =>
        documents
          .prepare(
            'select complete, stale, pending, deleted, disputed, base is null as noBase from documents where doc_id = ?',
          )
          .get(docId);
      expect(row(tied)).toEqual({
        complete: 0,
        stale: 0,
        pending: 0,
        deleted: 0,
        disputed: '[]',
        noBase: 0,
      });
      expect(row(removed)).toEqual(expect.objectContaining({ deleted: 1, stale: 0 }));
      expect(row(unreadable)).toEqual(expect.objectContaining({ complete: 1, noBase: 0 }));
    } finally {
      documents.close();
    }
  });
});
