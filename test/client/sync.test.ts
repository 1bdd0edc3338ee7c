import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../src/adapters/http/http-exchange.ts';
import type { Replica } from '../../src/client/replica.ts';
import type { RequestHandler } from '../../src/client/transports/in-process-transport.ts';
import type { ConflictRecord } from '../../src/projections/conflict-record.ts';
import { decodeBody } from '../functions/decode-body.ts';
import { type Harness, startHarness } from '../functions/service-harness.ts';
import type { TestUser } from '../functions/sync-fixtures.ts';
import {
  errorResponse,
  FaultyHandler,
  jsonBody,
  loggedDots,
  patientData,
  pushedOps,
  replicaOf,
  rightOf,
} from './client-fixtures.ts';

/** The logged ops of the devices (not the server's own), as `deviceId:seq`. */
const deviceDots = async (harness: Harness): Promise<string[]> =>
  (await loggedDots((r) => harness.service.handle(r), 'admin')).filter(
    (d) => !d.startsWith('server.'),
  );

describe('sync through the in-process server', () => {
  let harness: Harness;
  let faults: FaultyHandler;
  const open: Replica[] = [];

  /** A replica on the faulty handler, closed after the test. */
  const replica = async (user: TestUser, deviceId: string): Promise<Replica> => {
    const r = await replicaOf(faults.handle, user, deviceId);
    open.push(r);
    return r;
  };

  beforeEach(async () => {
    harness = await startHarness();
    faults = new FaultyHandler((r) => harness.service.handle(r));
  });

  afterEach(async () => {
    for (const r of open.splice(0)) await r.close();
    await harness.close();
  });

  it('a replica whose database holds an op it cannot read fails its syncs as a value, not a throw', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'immune-sync-corrupt-'));
    try {
      const path = join(dir, 'replica.db');
      const first = await replicaOf(faults.handle, 'hwNorth', 'tablet-c', { path });
      rightOf(await first.patients.create(patientData('Amina')));
      await first.close();
      // Damage the pending op behind the replica's back: an update of no field.
      const db = new Database(path);
      db.prepare(
        `update outbox set op = json_set(op, '$.kind', 'update', '$.data', json('{}'))`,
      ).run();
      db.close();
      const damaged = await replicaOf(faults.handle, 'hwNorth', 'tablet-c', { path });
      open.push(damaged);
      const failed: string[] = [];
      damaged.on('sync_failed', ({ failure }) => failed.push(failure.kind));
      const report = await damaged.sync();
      expect(report).toMatchObject({ ok: false, failure: { kind: 'storage' } });
      expect(failed).toEqual(['storage']);
      expect((await damaged.status()).lastError?.failure.kind).toBe('storage');
      expect((await damaged.status()).pending).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a new replica bootstraps the reference data from a snapshot', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    const report = await a.sync();
    expect(report.ok).toBe(true);
    expect((await a.vaccines.list()).map((v) => v.docId)).toContain('vac-penta');
    expect(faults.count('GET', '/v1/snapshot')).toBe(1);
  });

  it('an edit made offline on one device reaches another through the server', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    const b = await replica('hwNorth2', 'tablet-b');
    const { docId } = rightOf(await a.patients.create(patientData('Amina')));
    expect((await a.sync()).pushed).toBe(1);
    await b.sync();
    expect(await b.patients.get(docId)).toMatchObject({
      data: patientData('Amina'),
      pending: false,
    });
    expect(await a.patients.get(docId)).toMatchObject({ pending: false });
    expect((await a.status()).pending).toBe(0);
  });

  it('tells the app of the views a sync changed, and of none when nothing changed', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    const b = await replica('hwNorth2', 'tablet-b');
    const { docId: ownId } = rightOf(await a.patients.create(patientData('Amina')));
    const { docId: otherId } = rightOf(await a.patients.create(patientData('Bosco')));
    const { docId: quietId } = rightOf(await a.patients.create(patientData('Cato')));
    await a.sync();
    await b.sync();
    rightOf(await a.patients.update(ownId, { townVillage: 'Gulu' }));
    rightOf(await b.patients.update(otherId, { townVillage: 'Lira' }));
    await b.sync();
    const changed: string[] = [];
    a.on('changed', ({ docIds }) => changed.push(...docIds));
    // a's edit comes back logged (no longer pending) and b's edit arrives; the third document
    // is not touched.
    const report = await a.sync();
    expect(report).toMatchObject({ ok: true, pushed: 1 });
    expect(changed.sort()).toEqual([ownId, otherId].sort());
    expect(changed).not.toContain(quietId);
    expect(await a.patients.get(ownId)).toMatchObject({
      data: { townVillage: 'Gulu' },
      pending: false,
    });
    expect(await a.patients.get(otherId)).toMatchObject({ data: { townVillage: 'Lira' } });
    changed.length = 0;
    expect(await a.sync()).toMatchObject({ ok: true, pushed: 0, pulled: 0 });
    expect(changed).toEqual([]);
  });

  it('a push whose answer is lost is sent again and logged once', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    await a.sync();
    rightOf(await a.patients.create(patientData('A')));
    rightOf(await a.patients.create(patientData('B')));
    faults.after = (request, response) => {
      if (request.path === '/v1/push')
        throw new Error('connection reset after the server answered');
      return response;
    };
    expect((await a.sync()).ok).toBe(false);
    expect((await a.status()).pending).toBe(2);
    faults.after = null;
    const report = await a.sync();
    expect(report).toMatchObject({ ok: true, pushed: 2 });
    expect(await deviceDots(harness)).toEqual(['tablet-a:1', 'tablet-a:2']);
    expect((await a.status()).pending).toBe(0);
  });

  it('pushes a long outbox in batches of at most 500 ops', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    await a.sync();
    for (let i = 0; i < 1100; i++) rightOf(await a.patients.create(patientData(`P${i}`)));
    const sizes: number[] = [];
    faults.before = (request) => {
      if (request.path === '/v1/push') sizes.push(pushedOps(request).length);
      return undefined;
    };
    expect(await a.sync()).toMatchObject({ ok: true, pushed: 1100 });
    expect(sizes).toEqual([500, 500, 100]);
    expect((await a.patients.list()).length).toBe(1100);
  });

  /** A replica whose push requests pass through `wrap` before the faulty handler. */
  const wrappedReplica = async (
    deviceId: string,
    wrap: (request: HttpRequest, inner: RequestHandler) => Promise<HttpResponse>,
  ): Promise<Replica> => {
    const r = await replicaOf(
      (request) =>
        request.path === '/v1/push' ? wrap(request, faults.handle) : faults.handle(request),
      'hwNorth',
      deviceId,
    );
    open.push(r);
    return r;
  };

  /**
   * A replica whose pushes reach the server in a chosen order: `waits` maps a push (1: the first
   * one sent) to the push whose answer it waits for. Records the first seq of every push, as
   * sent, and the statuses of every answer, as answered.
   */
  const replicaWithPushOrder = async (deviceId: string, waits: ReadonlyMap<number, number>) => {
    const statuses: string[][] = [];
    const firstSeqs: number[] = [];
    const answered = new Map<number, { promise: Promise<void>; resolve: () => void }>();
    const answerOf = (push: number) => {
      let known = answered.get(push);
      if (known === undefined) {
        let resolve = () => {};
        const promise = new Promise<void>((r) => {
          resolve = r;
        });
        known = { promise, resolve };
        answered.set(push, known);
      }
      return known;
    };
    let pushes = 0;
    const replica = await wrappedReplica(deviceId, async (request, inner) => {
      pushes += 1;
      const push = pushes;
      firstSeqs.push(Number(Reflect.get(Object(pushedOps(request)[0]), 'seq')));
      const before = waits.get(push);
      if (before !== undefined) await answerOf(before).promise;
      const response = await inner(request);
      const bytes = response.body instanceof Uint8Array ? response.body : new Uint8Array();
      const body = jsonBody(
        new Uint8Array(decodeBody(bytes, response.headers['content-encoding'])),
      );
      const results = typeof body === 'object' && body !== null ? Reflect.get(body, 'results') : [];
      statuses.push([...new Set((results as { status: string }[]).map((r) => r.status))].sort());
      answerOf(push).resolve();
      return response;
    });
    return { replica, statuses, firstSeqs };
  };

  it('sends the next batch before the answer to the current one is read', async () => {
    let inFlight = 0;
    let most = 0;
    const a = await wrappedReplica('tablet-a', async (request, inner) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        return await inner(request);
      } finally {
        inFlight -= 1;
      }
    });
    await a.sync();
    for (let i = 0; i < 1100; i++) rightOf(await a.patients.create(patientData(`P${i}`)));
    expect(await a.sync()).toMatchObject({ ok: true, pushed: 1100 });
    expect(most).toBe(2);
    const dots = await deviceDots(harness);
    expect(dots).toEqual(Array.from({ length: 1100 }, (_, i) => `tablet-a:${i + 1}`));
    expect((await a.status()).pending).toBe(0);
  });

  // Pushes of one device reaching the server in a chosen order (`waits`: a push, by its place
  // in sending order, waits for the answer to another). The server takes a device's ops in seq
  // order only: a batch that arrives before the one it follows is answered gap.
  const pushOrders = [
    {
      name: 'a batch sent ahead that reaches the server first is answered gap, and the push recovers',
      ops: 1100,
      waits: [
        [1, 2],
        [4, 3],
      ],
      // 501-1000, sent ahead, is answered gap (the server expects 1); 1-500 is accepted; taking
      // the gap, the push had already sent 1001-1100 ahead (gap, 501 expected); it sends again
      // from the first unanswered seq (501), not from 1, then 1001-1100: no duplicates.
      firstSeqs: [1, 501, 1001, 501, 1001],
      statuses: ['gap', 'accepted', 'gap', 'accepted', 'accepted'],
    },
    {
      name: 'a batch that left before the resend of the batch it follows, and arrives after it, is not sent again',
      ops: 1100,
      waits: [
        [1, 2],
        [3, 4],
      ],
      // As above, but 1001-1100 reaches the server after the resend of 501-1000: kept as the
      // batch ahead of the resend, it is accepted and never sent twice.
      firstSeqs: [1, 501, 1001, 501],
      statuses: ['gap', 'accepted', 'accepted', 'accepted'],
    },
    {
      name: 'after one overtaken batch, only the batch that left before its resend is sent again, not every batch after it',
      ops: 2100,
      waits: [
        [1, 2],
        [4, 3],
      ],
      // 501-1000 overtakes 1-500 (gap); 1001-1500, sent ahead of its answer, arrives before the
      // resend of 501-1000 (gap). 1001-1500 is resent, and from there each batch leaves after
      // the one before it: 1501-2000 and 2001-2100 are sent once.
      firstSeqs: [1, 501, 1001, 501, 1001, 1501, 2001],
      statuses: ['gap', 'accepted', 'gap', 'accepted', 'accepted', 'accepted', 'accepted'],
    },
  ] as const;
  for (const { name, ops, waits, firstSeqs, statuses } of pushOrders) {
    it(name, async () => {
      const pushed = await replicaWithPushOrder(
        'tablet-a',
        new Map(waits.map(([push, after]) => [push, after])),
      );
      const a = pushed.replica;
      for (let i = 0; i < ops; i++) rightOf(await a.patients.create(patientData(`P${i}`)));
      const report = await a.sync();
      expect(report).toMatchObject({ ok: true, pushed: ops });
      expect(pushed.firstSeqs).toEqual(firstSeqs);
      expect(pushed.statuses).toEqual(statuses.map((status) => [status]));
      const dots = await deviceDots(harness);
      expect(dots).toEqual(Array.from({ length: ops }, (_, i) => `tablet-a:${i + 1}`));
      expect((await a.status()).pending).toBe(0);
      expect(await a.patients.list()).toHaveLength(ops);
    });
  }

  it('answers a gap by resending from the seq the server expects, from wherever it still holds the ops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replica-'));
    const path = join(dir, 'replica.db');
    const other = await startHarness();
    try {
      const a = await replicaOf(faults.handle, 'hwNorth', 'tablet-a', { path });
      await a.sync();
      const first = rightOf(await a.patients.create(patientData('A')));
      const second = rightOf(await a.patients.create(patientData('B')));
      await a.sync();
      await a.close();
      // The device now talks to a server that never saw it (another log, another epoch).
      const swapped = new FaultyHandler((r) => other.service.handle(r));
      const moved = await replicaOf(swapped.handle, 'hwNorth', 'tablet-a', { path });
      open.push(moved);
      const third = rightOf(await moved.patients.create(patientData('C')));
      expect((await moved.sync()).ok).toBe(true);
      const pushes = swapped.requests.filter((r) => r.path === '/v1/push');
      expect(pushes.map((r) => pushedOps(r).length)).toEqual([1, 3]);
      const dots = await loggedDots((r) => other.service.handle(r), 'admin');
      expect(dots.filter((d) => !d.startsWith('server.'))).toEqual([
        'tablet-a:1',
        'tablet-a:2',
        'tablet-a:3',
      ]);
      for (const { docId } of [first, second, third]) {
        expect(await moved.patients.get(docId)).toMatchObject({ pending: false });
      }
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rejected op reaches the app with its reason and leaves the view', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    await a.sync();
    const rejected: string[] = [];
    a.on('rejected', ({ op, error }) => rejected.push(`${op.seq} ${error.code} ${error.path}`));
    const { docId } = rightOf(await a.patients.create(patientData('Elsewhere', 'fac-south')));
    expect(await a.patients.get(docId)).toBeDefined();
    await a.sync();
    expect(rejected).toEqual(['1 forbidden data.facilityId']);
    expect(await a.patients.get(docId)).toBeUndefined();
    expect((await a.rejections()).map((r) => r.error.code)).toEqual(['forbidden']);
    expect((await a.status()).pending).toBe(0);
  });

  it('a 503 fails the cycle as retryable, and the next sync pushes', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    await a.sync();
    rightOf(await a.patients.create(patientData('A')));
    faults.before = (request) =>
      request.path === '/v1/push' ? errorResponse(503, 'unavailable') : undefined;
    const failed = await a.sync();
    expect(failed.failure).toMatchObject({ kind: 'transport', error: { status: 503 } });
    expect((await a.status()).online).toBe(false);
    faults.before = null;
    expect(await a.sync()).toMatchObject({ ok: true, pushed: 1 });
  });

  it('reset_required re-bootstraps from a snapshot and keeps the pending ops', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    await a.sync();
    const kept = rightOf(await a.patients.create(patientData('Kept')));
    let resets = 1;
    faults.before = (request) => {
      if (request.path === '/v1/pull' && resets > 0) {
        resets--;
        return errorResponse(409, 'reset_required');
      }
      return undefined;
    };
    const report = await a.sync();
    expect(report.ok).toBe(true);
    expect(faults.count('GET', '/v1/snapshot')).toBe(2);
    expect(await a.patients.get(kept.docId)).toMatchObject({ pending: false });
    expect((await a.vaccines.list()).length).toBeGreaterThan(0);
  });

  it('an op made while a re-bootstrap runs stays pending through it and is pushed after', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    await a.sync();
    let reset = true;
    let made: Promise<unknown> | null = null;
    faults.before = (request) => {
      if (request.path === '/v1/pull' && reset) {
        reset = false;
        return errorResponse(409, 'reset_required');
      }
      if (request.path === '/v1/snapshot' && made === null) {
        made = a.patients.create(patientData('Made during the bootstrap'), 'pat-during');
      }
      return undefined;
    };
    expect((await a.sync()).ok).toBe(true);
    expect(made).not.toBeNull();
    await made;
    await a.sync();
    expect(await a.patients.get('pat-during')).toMatchObject({ pending: false });
    expect(await deviceDots(harness)).toEqual(['tablet-a:1']);
  });

  it('re-folds a document it has only from a snapshot with the ops it fetches', async () => {
    const creator = await replica('hwNorth', 'tablet-c');
    const { docId } = rightOf(await creator.patients.create(patientData('Amina')));
    await creator.sync();
    const a = await replica('hwNorth', 'tablet-a');
    const b = await replica('hwNorth2', 'tablet-b');
    await a.sync();
    await b.sync();
    rightOf(await a.patients.update(docId, { townVillage: 'Gulu' }));
    rightOf(await b.patients.update(docId, { townVillage: 'Lira' }));
    await a.sync();
    await b.sync();
    await a.sync();
    expect(faults.count('GET', '/v1/ops/')).toBeGreaterThan(0);
    const seenByA = await a.patients.get(docId);
    const seenByB = await b.patients.get(docId);
    // One of the two edits won, the same on both.
    expect(['Gulu', 'Lira']).toContain(seenByA?.data.townVillage);
    expect(seenByA?.data).toEqual(seenByB?.data);
    expect(await a.conflicts('patients', docId)).toEqual(await b.conflicts('patients', docId));
  });

  it('tells both devices of a conflict on a document they wrote', async () => {
    const a = await replica('hwNorth', 'tablet-a');
    const b = await replica('hwNorth2', 'tablet-b');
    const conflicts: { device: string; record: ConflictRecord }[] = [];
    a.on('conflict', ({ conflict }) => conflicts.push({ device: 'a', record: conflict }));
    b.on('conflict', ({ conflict }) => conflicts.push({ device: 'b', record: conflict }));
    const { docId } = rightOf(await a.patients.create(patientData('Amina')));
    await a.sync();
    await b.sync();
    rightOf(await a.patients.update(docId, { fullName: 'Amina A' }));
    rightOf(await b.patients.update(docId, { fullName: 'Amina B' }));
    await a.sync();
    await b.sync();
    await a.sync();
    const open = conflicts.filter((c) => c.record.status === 'open');
    expect(open.map((c) => c.device).sort()).toEqual(['a', 'b']);
    expect(open.map((c) => c.record.fields)).toEqual([['fullName'], ['fullName']]);
    expect((await a.patients.get(docId))?.disputed).toEqual(['fullName']);
  });
});
