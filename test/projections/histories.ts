/**
 * Generators of causally consistent histories of one document, built by simulating replicas
 * with partial knowledge: two health-worker devices (client class), a supervisor's device and
 * the system (server class), and an auditor whose resolutions see everything.
 *
 * Each actor knows a causally closed set of ops: its own, and a prefix of the server's log that
 * it pulled. An op's `ctx` is the version vector of its author's knowledge, so causality is
 * real; clocks are skewed per actor (hours either way), and some ops stay pending (no
 * `receivedAt`).
 */

import { fc } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName, DocumentData, FieldValue } from '../../src/domain/collection.ts';
import { COLLECTIONS } from '../../src/domain/collections.ts';
import { DeviceId, DocId, RESOLUTIONS_DEVICE, UserId } from '../../src/domain/ids.ts';
import type { AuthoredOp, OpPayload } from '../../src/domain/operation.ts';
import type { AuthorRole } from '../../src/domain/principal.ts';
import type { VersionVector } from '../../src/domain/version-vector.ts';

export interface Actor {
  readonly deviceId: string;
  readonly userId: string;
  readonly role: AuthorRole;
}

export const ACTORS: readonly Actor[] = [
  { deviceId: 'hw-tablet-1', userId: 'amina', role: 'health_worker' },
  { deviceId: 'hw-phone-2', userId: 'kofi', role: 'health_worker' },
  { deviceId: 'sup-laptop', userId: 'grace', role: 'supervisor' },
  { deviceId: 'server.appwrite', userId: 'system', role: 'system' },
];

export const AUDITOR: Actor = {
  deviceId: RESOLUTIONS_DEVICE,
  userId: 'auditor-1',
  role: 'auditor',
};

/** Small value domains, so that concurrent writes often agree and often differ. */
const VALUES: Readonly<Record<CollectionName, Readonly<Record<string, readonly FieldValue[]>>>> = {
  patients: {
    fullName: ['Abena Mensah', 'Abena Mensa', 'Abena K. Mensah'],
    sex: ['F', 'X'],
    dateOfBirth: ['2023-01-05', '2023-05-01'],
    motherName: ['Efua', 'Efua Mensah', null],
    contactPhone: ['+233 20 000 0001', '+233 20 000 0002', null],
    townVillage: ['Tamale', 'Savelugu'],
    facilityId: ['fac-north', 'fac-south'],
    healthWorkerId: ['amina', 'kofi'],
  },
  immunization_records: {
    vaccineId: ['vac-penta', 'vac-opv'],
    doseNumber: [1, 2, 3],
    dateAdministered: ['2024-03-01', '2024-03-02'],
    batchNumber: ['B-1', 'B-2', null],
    notes: ['ok', 'fever after', null],
    administeredBy: ['amina', 'kofi'],
  },
  notifications: {
    message: ['Penta 2 due', 'Penta 2 overdue'],
    read: [true, false],
    dueDate: ['2024-04-01', '2024-04-15', null],
    type: ['dose_due', 'dose_overdue'],
  },
  facilities: { name: ['North', 'Nord'], district: ['D1', 'D2'], region: ['R1', 'R2'] },
  vaccines: { name: ['Penta', 'Pentavalent'], code: ['PENTA'], doses: [3, 4] },
};

const CREATE_DATA: Readonly<Record<CollectionName, DocumentData>> = {
  patients: {
    fullName: 'Abena Mensah',
    sex: 'F',
    dateOfBirth: '2023-01-05',
    facilityId: 'fac-north',
  },
  immunization_records: {
    patientId: 'pat-1',
    vaccineId: 'vac-penta',
    doseNumber: 1,
    dateAdministered: '2024-03-01',
    facilityId: 'fac-north',
  },
  notifications: { userId: 'amina', type: 'dose_due', message: 'Penta 2 due', read: false },
  facilities: { name: 'North', district: 'D1', region: 'R1' },
  vaccines: { name: 'Penta', code: 'PENTA', doses: 3 },
};

/** One step of the simulation. */
export type Step =
  | { readonly kind: 'edit'; readonly actor: number; readonly fields: readonly [string, number][] }
  | { readonly kind: 'delete' | 'restore'; readonly actor: number }
  | { readonly kind: 'pull'; readonly actor: number; readonly upTo: number }
  | { readonly kind: 'resolve'; readonly fields: readonly [string, number][] }
  | { readonly kind: 'otherDoc'; readonly actor: number; readonly skip: number };

export interface History {
  readonly collection: CollectionName;
  readonly docId: string;
  /** In the order the server logged them (creation order). */
  readonly ops: readonly AuthoredOp[];
}

const pick = <T>(xs: readonly T[], i: number): T => {
  const x = xs[i % xs.length];
  if (x === undefined) throw new Error('empty choice');
  return x;
};

const brandOrThrow = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error('fixture id does not decode');
  return r.right;
};

interface Replica {
  known: Set<number>; // indices into ops
  seq: number;
  clock: { ms: number; n: number };
  skew: number;
}

/**
 * Runs the steps and returns the logged history. `pendingTail` ops at the end get no
 * `receivedAt` (still in their device's outbox).
 */
export const simulate = (
  collection: CollectionName,
  steps: readonly Step[],
  skews: readonly number[],
  options: { readonly clientServerOnlyWrites?: boolean; readonly pendingTail?: number } = {},
): History => {
  const spec = COLLECTIONS[collection];
  const values = VALUES[collection];
  const docId = 'doc-1';
  const ops: AuthoredOp[] = [];
  let now = 1_700_000_000_000;
  const replicas: Replica[] = ACTORS.map((_, i) => ({
    known: new Set<number>(),
    seq: 0,
    clock: { ms: 0, n: 0 },
    skew: skews[i] ?? 0,
  }));
  const auditorReplica: Replica = { known: new Set(), seq: 0, clock: { ms: 0, n: 0 }, skew: 0 };

  const ctxOf = (r: Replica): VersionVector => {
    const vv: Record<string, number> = {};
    for (const i of r.known) {
      const op = ops[i];
      if (op !== undefined && (vv[op.deviceId] ?? 0) < op.seq) vv[op.deviceId] = op.seq;
    }
    return vv;
  };

  const make = (actor: Actor, r: Replica, payload: OpPayload): void => {
    now += 1000;
    r.seq += 1;
    const wall = now + r.skew;
    r.clock = wall > r.clock.ms ? { ms: wall, n: 0 } : { ms: r.clock.ms, n: r.clock.n + 1 };
    const op: AuthoredOp = {
      deviceId: brandOrThrow(DeviceId.decode(actor.deviceId)),
      seq: r.seq,
      hlc: r.clock,
      collection,
      docId: brandOrThrow(DocId.decode(docId)),
      ctx: ctxOf(r),
      schema: 1,
      ...payload,
      author: { userId: brandOrThrow(UserId.decode(actor.userId)), role: actor.role },
      receivedAt: now + 500,
      cursor: `c${ops.length + 1}`,
    };
    ops.push(op);
    r.known.add(ops.length - 1);
  };

  const dataOf = (actor: Actor, fields: readonly [string, number][]): DocumentData => {
    const data: Record<string, FieldValue> = {};
    for (const [field, choice] of fields) {
      const domain = values[field];
      if (domain === undefined) continue;
      const serverOnly = spec.fields[field] === 'server_only';
      const client = actor.role === 'health_worker';
      if (serverOnly && client && options.clientServerOnlyWrites !== true) continue;
      data[field] = pick(domain, choice);
    }
    return data;
  };

  // The creator: a health worker for clinical data, the system for reference data.
  const creator = spec.writers.includes('health_worker') ? 0 : 3;
  const creatorActor = pick(ACTORS, creator);
  const creatorReplica = replicas[creator];
  if (creatorReplica === undefined) throw new Error('no creator');
  make(creatorActor, creatorReplica, { kind: 'create', data: CREATE_DATA[collection] });

  for (const step of steps) {
    switch (step.kind) {
      case 'otherDoc': {
        // The device wrote ops on other documents: its seq moves on.
        const r = replicas[step.actor % replicas.length];
        if (r !== undefined) r.seq += step.skip;
        break;
      }
      case 'pull': {
        const r = replicas[step.actor % replicas.length];
        if (r === undefined) break;
        const upTo = step.upTo % (ops.length + 1);
        for (let i = 0; i < upTo; i++) r.known.add(i);
        break;
      }
      case 'edit': {
        const i = step.actor % ACTORS.length;
        const r = replicas[i];
        const actor = pick(ACTORS, i);
        if (r === undefined) break;
        if (r.known.size === 0) r.known.add(0); // a device gets the document before editing it
        const data = dataOf(actor, step.fields);
        if (Object.keys(data).length === 0) break;
        make(actor, r, { kind: 'update', data });
        break;
      }
      case 'delete':
      case 'restore': {
        const i = step.actor % ACTORS.length;
        const r = replicas[i];
        if (r === undefined) break;
        if (r.known.size === 0) r.known.add(0);
        make(pick(ACTORS, i), r, { kind: step.kind });
        break;
      }
      case 'resolve': {
        for (let i = 0; i < ops.length; i++) auditorReplica.known.add(i);
        const data = dataOf(AUDITOR, step.fields);
        if (Object.keys(data).length === 0) break;
        make(AUDITOR, auditorReplica, { kind: 'update', data });
        break;
      }
      default: {
        const unreachable: never = step;
        throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
      }
    }
  }
  const pending = options.pendingTail ?? 0;
  const logged = ops.map((op, i): AuthoredOp => {
    if (i < ops.length - pending || i === 0) return op;
    const { receivedAt: _r, cursor: _c, ...rest } = op;
    return rest;
  });
  return { collection, docId, ops: logged };
};

const fieldChoices = (collection: CollectionName): fc.Arbitrary<readonly [string, number][]> =>
  fc
    .subarray(Object.keys(VALUES[collection]), { minLength: 1, maxLength: 3 })
    .chain((fields) =>
      fc.tuple(...fields.map((f) => fc.tuple(fc.constant(f), fc.nat({ max: 5 })))),
    );

export const stepArb = (collection: CollectionName, withResolutions = true): fc.Arbitrary<Step> => {
  const actor = fc.nat({ max: ACTORS.length - 1 });
  const steps: fc.Arbitrary<Step>[] = [
    fc.record({ kind: fc.constant('edit' as const), actor, fields: fieldChoices(collection) }),
    fc.record({ kind: fc.constant('edit' as const), actor, fields: fieldChoices(collection) }),
    fc.record({ kind: fc.constant('pull' as const), actor, upTo: fc.nat({ max: 40 }) }),
    fc.record({ kind: fc.constantFrom('delete' as const, 'restore' as const), actor }),
    fc.record({
      kind: fc.constant('otherDoc' as const),
      actor,
      skip: fc.integer({ min: 1, max: 3 }),
    }),
  ];
  if (withResolutions) {
    steps.push(
      fc.record({ kind: fc.constant('resolve' as const), fields: fieldChoices(collection) }),
    );
  }
  return fc.oneof(...steps);
};

/** Clock skews per actor: most small, some hours or a year off. */
export const skewsArb = fc.array(
  fc.oneof(
    fc.integer({ min: -5_000, max: 5_000 }),
    fc.constantFrom(3_600_000, -3_600_000, 365 * 86_400_000, -365 * 86_400_000),
  ),
  { minLength: ACTORS.length, maxLength: ACTORS.length },
);

export const SYNCED_COLLECTIONS: readonly CollectionName[] = [
  'patients',
  'immunization_records',
  'notifications',
  'vaccines',
];

/** A history of a random collection with 3 to 30 steps. */
export const historyArb = (
  options: { readonly collection?: CollectionName; readonly withResolutions?: boolean } = {},
): fc.Arbitrary<History> =>
  (options.collection === undefined
    ? fc.constantFrom(...SYNCED_COLLECTIONS)
    : fc.constant(options.collection)
  ).chain((collection) =>
    fc
      .tuple(
        fc.array(stepArb(collection, options.withResolutions ?? true), {
          minLength: 3,
          maxLength: 30,
        }),
        skewsArb,
        fc.nat({ max: 3 }),
      )
      .map(([steps, skews, pendingTail]) => simulate(collection, steps, skews, { pendingTail })),
  );
