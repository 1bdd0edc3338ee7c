/**
 * Replicas syncing with the real server process through a fault-injecting proxy
 * (`fault-proxy.ts`): dropped requests, answers dropped after the commit, requests delivered
 * twice, delays, concurrent requests reordered, bodies cut in the middle both ways, and bursts of
 * `503`. What must hold (DESIGN.md section 5, Recovery): every op the server acknowledged is in
 * the log exactly once (and was `accepted` once), and after a final clean sync every replica
 * equals the server's projection; `POST /v1/verify` stays ok.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Written } from '../../src/client/collection-handle.ts';
import type { Replica } from '../../src/client/replica.ts';
import type { CollectionName } from '../../src/domain/collection.ts';
import { patientData, recordData, rightOf } from '../client/client-fixtures.ts';
import {
  httpReplica,
  serverDots,
  serverProjection,
  serveWorkspace,
  shownBy,
  syncOk,
} from '../client/e2e-fixtures.ts';
import type { TestUser } from '../functions/sync-fixtures.ts';
import { clientOf, prop } from '../server/http-client.ts';
import { makeWorkspace, type ServerProcess, type Workspace } from '../server/server-process.ts';
import {
  type Fault,
  type FaultKind,
  type FaultProxy,
  seededRandom,
  startFaultProxy,
} from './fault-proxy.ts';

let workspace: Workspace;
let server: ServerProcess;
let proxy: FaultProxy;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await serveWorkspace(workspace);
  proxy = await startFaultProxy(server.url);
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await workspace?.remove();
});

/** A replica of `user` whose every request goes through the proxy. */
const proxiedReplica = (user: TestUser, deviceId: string): Promise<Replica> =>
  httpReplica(proxy.url, user, deviceId, { backoff: { baseMs: 10, maxMs: 50 } });

/** Syncs through the proxy until a cycle succeeds (faults make cycles fail). */
const syncThrough = (replica: Replica): Promise<void> => syncOk(replica, 60);

/** Checks the log: every dot once, and every dot the server accepted accepted once. */
const expectEachAcknowledgedOpOnce = async (): Promise<readonly string[]> => {
  const dots = await serverDots(server.url);
  const counts = new Map<string, number>();
  for (const dot of dots) counts.set(dot, (counts.get(dot) ?? 0) + 1);
  const repeated = [...counts].filter(([, n]) => n > 1);
  expect(repeated, 'dots logged more than once').toEqual([]);
  const accepted = new Map<string, number>();
  for (const dot of proxy.acceptedDots) accepted.set(dot, (accepted.get(dot) ?? 0) + 1);
  expect(
    [...accepted].filter(([, n]) => n > 1),
    'dots the server answered accepted more than once',
  ).toEqual([]);
  const missing = [...accepted.keys()].filter((dot) => !counts.has(dot));
  expect(missing, 'acknowledged dots missing from the log').toEqual([]);
  return dots;
};

/** Checks that each replica shows each document as the server's projection has it. */
const expectReplicasEqualServer = async (
  replicas: readonly Replica[],
  docs: readonly { readonly collection: CollectionName; readonly docId: string }[],
): Promise<void> => {
  const projection = await serverProjection(server.url);
  for (const { collection, docId } of docs) {
    const onServer = projection.get(`${collection}/${docId}`);
    expect(onServer, `${collection}/${docId} on the server`).toBeDefined();
    for (const replica of replicas) {
      expect(
        await shownBy(replica, collection, docId),
        `${replica.deviceId}: ${collection}/${docId}`,
      ).toEqual({ data: onServer?.data, deleted: onServer?.deleted });
      expect((await replica.status()).pending).toBe(0);
    }
  }
};

const expectVerifyOk = async (): Promise<void> => {
  const json: unknown = await (
    await clientOf(server.url).post('/v1/verify', { as: 'admin' })
  ).json();
  expect(prop(json, 'problems')).toEqual([]);
  expect(prop(json, 'ok')).toBe(true);
};

/** A policy that gives the first `times` pushes `fault`, and lets everything else pass. */
const onFirstPushes = (
  fault: Fault,
  times = 1,
): ((r: { method: string; path: string }) => Fault) => {
  let left = times;
  return (request) => {
    if (request.method === 'POST' && request.path === '/v1/push' && left > 0) {
      left -= 1;
      return fault;
    }
    return { kind: 'pass' };
  };
};

describe('one fault on a push', () => {
  /** The fault, how many pushes get it, and whether the first sync works and logs the ops. */
  const cases: readonly (readonly [string, Fault, number, boolean, number])[] = [
    ['a dropped request', { kind: 'drop_request' }, 1, false, 0],
    ['an answer dropped after the commit', { kind: 'drop_answer' }, 1, false, 3],
    ['a request delivered twice', { kind: 'twice' }, 1, true, 3],
    ['a delay of 300 ms', { kind: 'delay', ms: 300 }, 1, true, 3],
    ['a request body cut in the middle', { kind: 'cut_request' }, 1, false, 0],
    ['an answer cut in the middle', { kind: 'cut_answer' }, 1, false, 3],
    ['a burst of eight 503s', { kind: 'unavailable' }, 8, false, 0],
  ];

  it.each(cases)(
    '%s loses no op and logs none twice',
    async (name, fault, times, firstOk, firstLogged) => {
      const deviceId = `one-${fault.kind}`;
      const replica = await proxiedReplica('hwNorth', deviceId);
      try {
        const written: Written[] = [];
        for (let i = 0; i < 3; i++) {
          written.push(rightOf(await replica.patients.create(patientData(`${name} ${i}`))));
        }
        const before = proxy.applied[fault.kind];
        proxy.policy = onFirstPushes(fault, times);
        expect((await replica.sync()).ok).toBe(firstOk);
        const loggedFirst = (await serverDots(server.url)).filter((d) =>
          d.startsWith(`${deviceId}:`),
        );
        expect(loggedFirst).toHaveLength(firstLogged);
        expect((await replica.status()).pending).toBe(firstOk ? 0 : 3);
        await syncThrough(replica);
        proxy.policy = () => ({ kind: 'pass' });
        expect(proxy.applied[fault.kind] - before).toBe(times);
        await syncThrough(replica);
        const dots = (await expectEachAcknowledgedOpOnce()).filter((d) =>
          d.startsWith(`${deviceId}:`),
        );
        expect(dots).toEqual([`${deviceId}:1`, `${deviceId}:2`, `${deviceId}:3`]);
        await expectReplicasEqualServer(
          [replica],
          written.map((w) => ({ collection: 'patients' as const, docId: w.docId })),
        );
      } finally {
        proxy.policy = () => ({ kind: 'pass' });
        await replica.close();
      }
    },
  );
});

/** The faults of the random mix, with their weights. */
const MIX: readonly (readonly [number, (random: () => number) => Fault])[] = [
  [8, () => ({ kind: 'pass' })],
  [1, () => ({ kind: 'drop_request' })],
  [2, () => ({ kind: 'drop_answer' })],
  [1, () => ({ kind: 'twice' })],
  [1, (random) => ({ kind: 'delay', ms: Math.floor(random() * 200) })],
  [1, () => ({ kind: 'cut_request' })],
  [1, () => ({ kind: 'cut_answer' })],
  [2, () => ({ kind: 'unavailable' })],
  [3, () => ({ kind: 'reorder' })],
];

const mixedPolicy = (random: () => number): (() => Fault) => {
  const total = MIX.reduce((sum, [weight]) => sum + weight, 0);
  return () => {
    let pick = random() * total;
    for (const [weight, make] of MIX) {
      pick -= weight;
      if (pick < 0) return make(random);
    }
    return { kind: 'pass' };
  };
};

const USERS: readonly TestUser[] = ['hwNorth', 'hwNorth2', 'supervisor', 'hwNorth'];
const NAMES = ['Abena Mensah', 'Abena Mensa', 'Abena K. Mensah'];
const TOWNS = ['Tamale', 'Savelugu', 'Yendi'];
const BATCHES = ['B-1', 'B-2', 'B-3'];

describe('four replicas under a random mix of faults', () => {
  it.each([11, 23, 37])(
    'with seed %i: every acknowledged op is logged once and every replica ends equal to the server',
    async (seed) => {
      const random = seededRandom(seed);
      const pickOf = <T>(values: readonly T[]): T => {
        const value = values[Math.floor(random() * values.length)];
        if (value === undefined) throw new Error('empty choice');
        return value;
      };
      const run = `mix${seed}`;
      const replicas: Replica[] = [];
      for (const [i, user] of USERS.entries()) {
        replicas.push(await proxiedReplica(user, `${run}-dev-${i}`));
      }
      try {
        const [maker] = replicas;
        if (maker === undefined) throw new Error('no replica');
        const patients = [`${run}-p0`, `${run}-p1`];
        const records = [`${run}-i0`, `${run}-i1`];
        for (const docId of patients)
          rightOf(await maker.patients.create(patientData(docId), docId));
        for (const [i, docId] of records.entries()) {
          rightOf(
            await maker.immunizationRecords.create(
              recordData(pickOf([patients[i] ?? '']), 1),
              docId,
            ),
          );
        }
        await syncThrough(maker);
        for (const replica of replicas) await syncThrough(replica);

        const written: string[] = [];
        proxy.policy = mixedPolicy(random);
        for (let round = 0; round < 6; round++) {
          for (const replica of replicas) {
            const edits = 1 + Math.floor(random() * 3);
            for (let e = 0; e < edits; e++) {
              const choice = random();
              const result =
                choice < 0.4
                  ? await replica.patients.update(pickOf(patients), {
                      fullName: pickOf(NAMES),
                      townVillage: pickOf(TOWNS),
                    })
                  : choice < 0.8
                    ? await replica.immunizationRecords.update(pickOf(records), {
                        batchNumber: pickOf(BATCHES),
                      })
                    : choice < 0.9
                      ? await replica.patients.delete(pickOf(patients))
                      : await replica.patients.restore(pickOf(patients));
              written.push(`${replica.deviceId}:${rightOf(result).seq}`);
            }
          }
          // Every replica syncs at once, so concurrent requests meet (and get reordered).
          await Promise.all(replicas.map((replica) => replica.sync()));
          await expectEachAcknowledgedOpOnce();
        }

        proxy.policy = () => ({ kind: 'pass' });
        for (const replica of replicas) await syncThrough(replica);
        for (const replica of replicas) await syncThrough(replica);
        const dots = await expectEachAcknowledgedOpOnce();
        const logged = new Set(dots);
        expect(written.filter((dot) => !logged.has(dot))).toEqual([]);
        const docs = [
          ...patients.map((docId) => ({ collection: 'patients' as const, docId })),
          ...records.map((docId) => ({ collection: 'immunization_records' as const, docId })),
        ];
        await expectReplicasEqualServer(replicas, docs);
        await expectVerifyOk();
      } finally {
        proxy.policy = () => ({ kind: 'pass' });
        for (const replica of replicas) await replica.close();
      }
    },
  );

  it('applied every kind of fault at least once', () => {
    const kinds: readonly FaultKind[] = [
      'drop_request',
      'drop_answer',
      'twice',
      'delay',
      'cut_request',
      'cut_answer',
      'unavailable',
      'reorder',
    ];
    for (const kind of kinds) expect(proxy.applied[kind], kind).toBeGreaterThan(0);
  });
});
