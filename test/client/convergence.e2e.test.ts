/**
 * Three replicas (two health workers and a supervisor, so both authority classes meet) edit the
 * same documents offline and sync in random orders against the real server process; in the
 * end they equal each other and the server's projection: fields, tombstones, disputed fields
 * and conflict records.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replica } from '../../src/client/replica.ts';
import type { CollectionName } from '../../src/domain/collection.ts';
import { makeWorkspace, type ServerProcess, type Workspace } from '../server/server-process.ts';
import { patientData, recordData, rightOf } from './client-fixtures.ts';
import { httpReplica, serverProjection, serveWorkspace, shownBy, syncOk } from './e2e-fixtures.ts';

let workspace: Workspace;
let server: ServerProcess;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await serveWorkspace(workspace);
});

afterAll(async () => {
  await server?.stop();
  await workspace?.remove();
});

const USERS = ['hwNorth', 'hwNorth2', 'supervisor'] as const;

/** One step of a run: an edit on one replica, or a sync of one replica. */
type Step =
  | {
      readonly kind: 'patient';
      readonly replica: number;
      readonly doc: number;
      readonly field: number;
      readonly value: number;
    }
  | {
      readonly kind: 'record';
      readonly replica: number;
      readonly doc: number;
      readonly field: number;
      readonly value: number;
    }
  | { readonly kind: 'delete' | 'restore'; readonly replica: number; readonly doc: number }
  | { readonly kind: 'sync'; readonly replica: number };

/** Small value domains, so that concurrent writes often agree and often differ. */
const PATIENT_FIELDS: readonly (readonly [string, readonly (string | null)[]])[] = [
  ['fullName', ['Abena Mensah', 'Abena Mensa', 'Abena K. Mensah']],
  ['townVillage', ['Tamale', 'Savelugu', null]],
  ['motherName', ['Efua', 'Efua Mensah', null]],
];
const RECORD_FIELDS: readonly (readonly [string, readonly (string | number | null)[]])[] = [
  ['batchNumber', ['B-1', 'B-2', null]],
  ['notes', ['ok', 'fever after', null]],
  ['doseNumber', [1, 2, 3]],
];

const replicaIndex = fc.nat({ max: USERS.length - 1 });
const choice = fc.nat({ max: 2 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('patient' as const),
      replica: replicaIndex,
      doc: fc.nat({ max: 1 }),
      field: choice,
      value: choice,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      replica: replicaIndex,
      doc: fc.nat({ max: 1 }),
      field: choice,
      value: choice,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('delete' as const, 'restore' as const),
      replica: replicaIndex,
      doc: fc.nat({ max: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('sync' as const), replica: replicaIndex }),
  },
);

const pick = <T>(values: readonly T[], i: number): T => {
  const value = values[i % values.length];
  if (value === undefined) throw new Error('empty choice');
  return value;
};

let runs = 0;

/** Runs the steps on three new replicas over documents made for this run. */
const runScenario = async (
  steps: readonly Step[],
  finalOrders: readonly (readonly number[])[],
): Promise<void> => {
  runs++;
  const run = `r${runs}`;
  const replicas: Replica[] = [];
  for (const [i, user] of USERS.entries()) {
    replicas.push(await httpReplica(server.url, user, `${run}-dev-${i}`));
  }
  try {
    const [maker] = replicas;
    if (maker === undefined) throw new Error('no replica');
    await syncOk(maker);
    const patients = [`${run}-p0`, `${run}-p1`];
    const records = [`${run}-i0`, `${run}-i1`];
    for (const docId of patients) rightOf(await maker.patients.create(patientData(docId), docId));
    for (const [i, docId] of records.entries()) {
      rightOf(await maker.immunizationRecords.create(recordData(pick(patients, i)), docId));
    }
    await syncOk(maker);
    for (const replica of replicas) await syncOk(replica);
    const docs: readonly { collection: CollectionName; docId: string }[] = [
      ...patients.map((docId) => ({ collection: 'patients' as const, docId })),
      ...records.map((docId) => ({ collection: 'immunization_records' as const, docId })),
    ];

    for (const step of steps) {
      const replica = pick(replicas, step.replica);
      switch (step.kind) {
        case 'patient': {
          const [field, values] = pick(PATIENT_FIELDS, step.field);
          await replica.patients.update(pick(patients, step.doc), {
            [field]: pick(values, step.value),
          });
          break;
        }
        case 'record': {
          const [field, values] = pick(RECORD_FIELDS, step.field);
          await replica.immunizationRecords.update(pick(records, step.doc), {
            [field]: pick(values, step.value),
          });
          break;
        }
        case 'delete':
        case 'restore': {
          const doc = pick(docs, step.doc);
          await replica.collection(doc.collection)[step.kind](doc.docId);
          break;
        }
        case 'sync':
          await replica.sync();
          break;
      }
    }
    for (const order of finalOrders) {
      for (const i of order) await syncOk(pick(replicas, i));
    }

    const projection = await serverProjection(server.url);
    for (const { collection, docId } of docs) {
      const onServer = projection.get(`${collection}/${docId}`);
      const expected = { data: onServer?.data, deleted: onServer?.deleted };
      const views = await Promise.all(replicas.map((r) => shownBy(r, collection, docId)));
      const disputed = await Promise.all(
        replicas.map(async (r) => (await r.collection(collection).get(docId))?.disputed),
      );
      const conflicts = await Promise.all(replicas.map((r) => r.conflicts(collection, docId)));
      for (const [i, view] of views.entries()) {
        expect(view, `replica ${i}, ${collection}/${docId}`).toEqual(expected);
        expect(disputed[i]).toEqual(disputed[0]);
        expect(conflicts[i]).toEqual(conflicts[0]);
      }
    }
    for (const replica of replicas) expect((await replica.status()).pending).toBe(0);
  } finally {
    for (const replica of replicas) await replica.close();
  }
};

describe('three replicas editing the same documents offline', () => {
  it('end equal to each other and to the server’s projection, whatever the order of their syncs', async () => {
    const order = fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 5, maxLength: 30 }),
        fc.tuple(order, order),
        async (steps, orders) => runScenario(steps, orders),
      ),
      { numRuns: 15 },
    );
  });
});
