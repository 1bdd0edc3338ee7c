import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { DeviceId, DocId, RESOLUTIONS_DEVICE, UserId } from '../../src/domain/ids.ts';
import type { AuthoredOp } from '../../src/domain/operation.ts';
import { checkWrite } from '../../src/domain/permissions.ts';
import { authorityClassOf, type Principal } from '../../src/domain/principal.ts';
import { type Candidate, candidateOf, concurrentWith } from '../../src/projections/candidate.ts';
import { conflictsOf } from '../../src/projections/conflicts.ts';
import { applyOrFold, emptyState, fold } from '../../src/projections/document-state.ts';
import { explain } from '../../src/projections/explain.ts';
import { materialize, viewOf } from '../../src/projections/materialize.ts';
import { encodeState } from '../../src/projections/state-codec.ts';
import { ACTORS, type History, historyArb, simulate, skewsArb, stepArb } from './histories.ts';

const RUNS = { numRuns: 200 };

const unwrap = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error('fixture does not decode');
  return r.right;
};

const isServerClass = (op: AuthoredOp): boolean => authorityClassOf(op.author.role) === 'server';
const isClientClass = (op: AuthoredOp): boolean => !isServerClass(op);

const outcomes = (h: History) => explain(h.ops).timeline;

describe('server_wins', () => {
  test.prop([historyArb({ collection: 'immunization_records' })], RUNS)(
    'a client op concurrent with a server-class op contributes no field; one that is not concurrent with any is never defeated',
    (h) => {
      const cs = h.ops.map(candidateOf);
      for (const { op, outcome } of outcomes(h)) {
        if (!isClientClass(op)) {
          expect(outcome.defeatedBy).toBeNull();
          continue;
        }
        const c = candidateOf(op);
        const concurrentServer = cs.some((o) => o.authority === 'server' && concurrentWith(c, o));
        if (concurrentServer) {
          expect(outcome.defeatedBy).not.toBeNull();
          expect(outcome.applied).toEqual([]);
        } else {
          expect(outcome.defeatedBy).toBeNull();
        }
      }
    },
  );

  test.prop([historyArb({ collection: 'immunization_records' })], RUNS)(
    'a client op that has seen the server-class ops applies the fields nobody wrote after it',
    (h) => {
      const state = fold(h.collection, h.docId, h.ops);
      const doc = materialize(state);
      for (const { op, outcome } of outcomes(h)) {
        if (outcome.defeatedBy !== null) continue;
        for (const [field, maxima] of Object.entries(state.maxima)) {
          const only = maxima.length === 1 ? maxima[0] : undefined;
          if (only?.deviceId !== op.deviceId || only.seq !== op.seq) continue;
          expect(outcome.applied).toContain(field);
          if (field !== '_deleted') expect(doc.data[field]).toEqual(candidateOf(op).writes[field]);
        }
      }
    },
  );
});

describe('client_wins', () => {
  test.prop([historyArb({ collection: 'notifications' })], RUNS)(
    'a server-class op concurrent with a client op contributes no field, resolutions excepted',
    (h) => {
      const cs = h.ops.map(candidateOf);
      for (const { op, outcome } of outcomes(h)) {
        const c = candidateOf(op);
        if (c.authority === 'client' || c.resolution) {
          expect(outcome.defeatedBy).toBeNull();
          continue;
        }
        const concurrentClient = cs.some((o) => o.authority === 'client' && concurrentWith(c, o));
        expect(outcome.defeatedBy !== null).toBe(concurrentClient);
        if (concurrentClient) expect(outcome.applied).toEqual([]);
      }
    },
  );
});

describe('server_only fields', () => {
  const everywhere = (userId: string): Principal => ({
    userId: unwrap(UserId.decode(userId)),
    role: 'health_worker',
    facilityIds: ['*'],
  });

  test.prop(
    [fc.array(stepArb('patients', false), { minLength: 3, maxLength: 30 }), skewsArb],
    RUNS,
  )(
    'a client op never changes facilityId or healthWorkerId: push refuses it and only the create sets them',
    (steps, skews) => {
      const attempted = simulate('patients', steps, skews, { clientServerOnlyWrites: true });
      // What a push lets through: each op checked against the document as projected so far.
      let state = emptyState('patients', attempted.docId);
      const accepted: AuthoredOp[] = [];
      for (const op of attempted.ops) {
        if (op.author.role === 'health_worker') {
          const verdict = checkWrite(everywhere(op.author.userId), op, viewOf(state), []);
          if (E.isLeft(verdict)) {
            expect(verdict.left.code).toBe('forbidden');
            continue;
          }
        }
        state = applyOrFold(state, op, () => accepted);
        accepted.push(op);
      }
      const timeline = explain(accepted).timeline;
      for (const { op, outcome } of timeline) {
        const setsServerOnly = outcome.applied.some(
          (f) => f === 'facilityId' || f === 'healthWorkerId',
        );
        if (setsServerOnly) expect(op.kind === 'create' || isServerClass(op)).toBe(true);
      }
    },
  );
});

describe('review fields', () => {
  test.prop([historyArb({ collection: 'patients', withResolutions: false })], RUNS)(
    'concurrent differing values of a review field stay disputed until a write that has seen them all; an auditor resolution closes them as resolved',
    (h) => {
      const state = fold(h.collection, h.docId, h.ops);
      const doc = materialize(state);
      for (const field of doc.disputed) {
        const maxima = state.maxima[field] ?? [];
        expect(maxima.length).toBeGreaterThanOrEqual(2);
        const open = conflictsOf(state).find((r) => r.status === 'open' && r.fields[0] === field);
        expect(open?.rule).toBe('review');
        const resolution: AuthoredOp = {
          deviceId: unwrap(DeviceId.decode(RESOLUTIONS_DEVICE)),
          seq: 1,
          hlc: { ms: 1, n: 0 },
          collection: h.collection,
          docId: unwrap(DocId.decode(h.docId)),
          ctx: state.vv,
          schema: 1,
          kind: 'update',
          data: { [field]: 'Resolved Value' },
          author: { userId: unwrap(UserId.decode('auditor-9')), role: 'auditor' },
          receivedAt: 1,
          cursor: 'c-last',
        };
        const after = fold(h.collection, h.docId, [...h.ops, resolution]);
        const closed = materialize(after);
        expect(closed.disputed).not.toContain(field);
        expect(closed.data[field]).toBe('Resolved Value');
        const record = conflictsOf(after).find((r) => r.id === open?.id);
        expect(record?.status).toBe('resolved');
        expect(record?.rule).toBe('resolution');
        expect(record?.resolvedBy).toEqual({
          userId: 'auditor-9',
          deviceId: RESOLUTIONS_DEVICE,
          seq: 1,
        });
      }
      for (const field of Object.keys(state.maxima)) {
        if (doc.disputed.includes(field)) continue;
        expect(conflictsOf(state).some((r) => r.status === 'open' && r.fields[0] === field)).toBe(
          false,
        );
      }
    },
  );

  it('two health workers writing different names concurrently leave fullName disputed', () => {
    const h = simulate(
      'patients',
      [
        { kind: 'pull', actor: 1, upTo: 1 },
        { kind: 'edit', actor: 0, fields: [['fullName', 1]] },
        { kind: 'edit', actor: 1, fields: [['fullName', 2]] },
      ],
      [0, 0, 0, 0],
    );
    const doc = materialize(fold(h.collection, h.docId, h.ops));
    expect(doc.disputed).toEqual(['fullName']);
  });
});

describe('merge policies', () => {
  test.prop([historyArb({ collection: 'patients' })], RUNS)(
    'no op is defeated, and every field whose latest write has no concurrent rival keeps that write',
    (h) => {
      const state = fold(h.collection, h.docId, h.ops);
      const doc = materialize(state);
      const cs: Candidate[] = h.ops.map(candidateOf);
      for (const { op, outcome } of outcomes(h)) {
        expect(outcome.defeatedBy).toBeNull();
        const c = candidateOf(op);
        for (const field of Object.keys(c.writes)) {
          if (field === '_deleted') continue;
          const writers = cs.filter((o) => Object.hasOwn(o.writes, field) && o !== c);
          const rivalOrLater = writers.some(
            (o) =>
              concurrentWith(c, o) ||
              (o.ctx[c.deviceId] ?? 0) >= c.seq ||
              (o.deviceId === c.deviceId && o.seq > c.seq) ||
              (c.kind === 'create' && o.kind !== 'create'),
          );
          if (!rivalOrLater) expect(doc.data[field]).toEqual(c.writes[field]);
        }
      }
    },
  );
});

describe('state size', () => {
  it('stays the same over 10,000 sequential updates by one device', () => {
    const device = unwrap(DeviceId.decode('hw-tablet-1'));
    const author = { userId: unwrap(UserId.decode('amina')), role: 'health_worker' as const };
    const docId = unwrap(DocId.decode('pat-1'));
    let state = fold('patients', docId, [
      {
        deviceId: device,
        seq: 1,
        hlc: { ms: 1_000, n: 0 },
        collection: 'patients',
        docId,
        ctx: {},
        schema: 1,
        kind: 'create',
        data: {
          fullName: 'Abena Mensah',
          sex: 'F',
          dateOfBirth: '2023-01-05',
          facilityId: 'fac-north',
        },
        author,
        receivedAt: 1_000,
        cursor: 'c1',
      },
    ]);
    const sizes: number[] = [];
    for (let seq = 2; seq <= 10_001; seq++) {
      const op: AuthoredOp = {
        deviceId: device,
        seq,
        hlc: { ms: 1_000 + seq, n: 0 },
        collection: 'patients',
        docId,
        ctx: { [device]: seq - 1 },
        schema: 1,
        kind: 'update',
        data: { townVillage: seq % 2 === 0 ? 'Tamale' : 'Yendi ' },
        author,
        receivedAt: 1_000 + seq,
        cursor: `c${seq}`,
      };
      const result = applyOrFold(state, op, () => {
        throw new Error('a sequential update must not need a refold');
      });
      state = result;
      if (seq === 101 || seq === 10_001) sizes.push(encodeState(state).length);
    }
    const [after100, after10k] = sizes;
    expect(after100).toBeDefined();
    // Only the digits of seq and hlc grow (3 to 5 characters each).
    expect(after10k).toBeLessThanOrEqual((after100 ?? 0) + 8);
  });
});

describe('actors', () => {
  it('the simulated actors cover both authority classes', () => {
    expect(ACTORS.map((a) => authorityClassOf(a.role))).toEqual([
      'client',
      'client',
      'server',
      'server',
    ]);
  });
});
