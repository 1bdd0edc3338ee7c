import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import type { DocumentData } from '../../src/domain/collection.ts';
import { DeviceId, DocId, UserId } from '../../src/domain/ids.ts';
import type { AuthoredOp } from '../../src/domain/operation.ts';
import type { AuthorRole } from '../../src/domain/principal.ts';
import { rankTime } from '../../src/projections/candidate.ts';
import { conflictsOf } from '../../src/projections/conflicts.ts';
import { fold } from '../../src/projections/document-state.ts';
import { explain } from '../../src/projections/explain.ts';
import { materialize } from '../../src/projections/materialize.ts';

const unwrap = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error('fixture does not decode');
  return r.right;
};

const T0 = 1_700_000_000_000;

interface OpSpec {
  readonly device: string;
  readonly seq: number;
  readonly role?: AuthorRole;
  readonly ctx?: Readonly<Record<string, number>>;
  readonly at: number;
  readonly receivedAt?: number | null;
  readonly kind?: 'create' | 'update' | 'delete' | 'restore';
  readonly data?: DocumentData;
  readonly collection?: 'patients' | 'immunization_records';
}

const op = (s: OpSpec): AuthoredOp => {
  const base = {
    deviceId: unwrap(DeviceId.decode(s.device)),
    seq: s.seq,
    hlc: { ms: T0 + s.at, n: 0 },
    collection: s.collection ?? 'patients',
    docId: unwrap(DocId.decode('pat-1')),
    ctx: s.ctx ?? {},
    schema: 1,
    author: { userId: unwrap(UserId.decode(`${s.device}-user`)), role: s.role ?? 'health_worker' },
  };
  const logged =
    s.receivedAt === null ? {} : { receivedAt: T0 + (s.receivedAt ?? s.at), cursor: `c${s.at}` };
  const kind = s.kind ?? 'update';
  if (kind === 'delete' || kind === 'restore') return { ...base, ...logged, kind };
  return { ...base, ...logged, kind, data: s.data ?? {} };
};

const create = op({
  device: 'tab-a',
  seq: 1,
  at: 0,
  kind: 'create',
  data: { fullName: 'Abena Mensah', sex: 'F', dateOfBirth: '2023-01-05', facilityId: 'fac-1' },
});

describe('history outcomes', () => {
  it('names the op a review field was lost to, and the rule', () => {
    const a = op({
      device: 'tab-a',
      seq: 2,
      ctx: { 'tab-a': 1 },
      at: 10,
      data: { fullName: 'Abena K. Mensah' },
    });
    const b = op({
      device: 'tab-b',
      seq: 1,
      ctx: { 'tab-a': 1 },
      at: 20,
      data: { fullName: 'Abena Mensa' },
    });
    const { doc, timeline } = explain([create, a, b]);
    expect(doc.disputed).toEqual(['fullName']);
    expect(doc.data.fullName).toBe('Abena Mensa');
    expect(timeline[1]?.outcome).toEqual({
      applied: [],
      lost: [{ field: 'fullName', to: { deviceId: 'tab-b', seq: 1 }, rule: 'review' }],
      defeatedBy: null,
      flags: [],
    });
    expect(timeline[2]?.outcome.applied).toEqual(['fullName']);
    expect(timeline[0]?.outcome.lost).toEqual([
      { field: 'fullName', to: { deviceId: 'tab-b', seq: 1 }, rule: 'superseded' },
    ]);
  });

  it('a client edit of a record concurrent with a supervisor edit is defeated by it', () => {
    const recordCreate = op({
      device: 'tab-a',
      seq: 1,
      at: 0,
      kind: 'create',
      collection: 'immunization_records',
      data: {
        patientId: 'p',
        vaccineId: 'v',
        doseNumber: 1,
        dateAdministered: '2024-01-01',
        facilityId: 'f',
      },
    });
    const client = op({
      device: 'tab-a',
      seq: 2,
      ctx: { 'tab-a': 1 },
      at: 50,
      collection: 'immunization_records',
      data: { batchNumber: 'B-9' },
    });
    const supervisor = op({
      device: 'sup-1',
      seq: 1,
      role: 'supervisor',
      ctx: { 'tab-a': 1 },
      at: 10,
      collection: 'immunization_records',
      data: { notes: 'checked' },
    });
    const { doc, timeline } = explain([recordCreate, client, supervisor]);
    expect(doc.data.batchNumber).toBeUndefined();
    expect(doc.data.notes).toBe('checked');
    expect(timeline[1]?.outcome.defeatedBy).toEqual({ deviceId: 'sup-1', seq: 1 });
    expect(timeline[1]?.outcome.lost).toEqual([
      { field: 'batchNumber', to: { deviceId: 'sup-1', seq: 1 }, rule: 'server_wins' },
    ]);
    const defeat = conflictsOf(
      fold('immunization_records', 'pat-1', [recordCreate, client, supervisor]),
    ).find((r) => r.kind === 'defeat');
    expect(defeat?.candidates.map((c) => `${c.deviceId}:${c.seq}`)).toEqual(['sup-1:1', 'tab-a:2']);
  });

  it('flags an op whose clock ran more than five minutes ahead of the server as skewed, and ranks it by server time', () => {
    const skewed = op({
      device: 'tab-a',
      seq: 2,
      ctx: { 'tab-a': 1 },
      at: 3_600_000,
      receivedAt: 100,
      data: { townVillage: 'Tamale' },
    });
    const honest = op({
      device: 'tab-b',
      seq: 1,
      ctx: { 'tab-a': 1 },
      at: 200,
      data: { townVillage: 'Yendi' },
    });
    const { doc, timeline } = explain([create, skewed, honest]);
    expect(timeline[1]?.outcome.flags).toEqual(['skewed']);
    expect(doc.data.townVillage).toBe('Yendi');
  });

  it('an update concurrent with a delete leaves the document deleted and keeps the update in a delete record', () => {
    const del = op({
      device: 'sup-1',
      seq: 1,
      role: 'supervisor',
      ctx: { 'tab-a': 1 },
      at: 10,
      kind: 'delete',
    });
    const edit = op({
      device: 'tab-a',
      seq: 2,
      ctx: { 'tab-a': 1 },
      at: 20,
      data: { townVillage: 'Tamale' },
    });
    const state = fold('patients', 'pat-1', [create, del, edit]);
    expect(materialize(state).deleted).toBe(true);
    expect(materialize(state).data.townVillage).toBe('Tamale');
    const record = conflictsOf(state).find((r) => r.kind === 'delete');
    expect(record).toMatchObject({
      rule: 'delete_wins',
      status: 'auto',
      winner: { deviceId: 'sup-1', seq: 1 },
      fields: ['townVillage'],
    });
  });
});

describe('pending ops', () => {
  it('rank by their device clock until the server stamps them', () => {
    const pending = op({ device: 'tab-a', seq: 2, at: 500, receivedAt: null, data: {} });
    expect(rankTime({ hlc: pending.hlc, receivedAt: pending.receivedAt ?? null })).toBe(T0 + 500);
    const logged = op({ device: 'tab-a', seq: 2, at: 500, receivedAt: 100, data: {} });
    expect(rankTime({ hlc: logged.hlc, receivedAt: logged.receivedAt ?? null })).toBe(T0 + 100);
  });

  it('fold through the same reducer as logged ops', () => {
    const pending = op({
      device: 'tab-a',
      seq: 2,
      ctx: { 'tab-a': 1 },
      at: 30,
      receivedAt: null,
      data: { townVillage: 'Savelugu' },
    });
    expect(materialize(fold('patients', 'pat-1', [create, pending])).data.townVillage).toBe(
      'Savelugu',
    );
  });
});
