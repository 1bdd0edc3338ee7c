/**
 * Integrity and audit (DESIGN.md section 4, "Integrity"; PROTOCOL.md, POST /v1/verify and the
 * history flags): hash chains, re-derived projections, replay, and the flags of logged ops.
 */
import { describe, expect, it } from 'vitest';
import type { SchemaRegistry } from '../../../src/domain/operation.ts';
import { chainHash, GENESIS_HASH } from '../../../src/log/hash-chain.ts';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  auditor,
  FA,
  FB,
  patientData,
  recordData,
  seedReferenceData,
  TestDevice,
  workerA,
} from '../log-fixtures.ts';
import { type LogFactory, withLog } from './log-fixture.ts';

const HEX_64 = /^[0-9a-f]{64}$/;

/** A registry that knows schema 0, whose ops are the same as schema 1's. */
const WITH_SCHEMA_ZERO: SchemaRegistry = {
  current: 1,
  upcasters: new Map([[0, (raw) => ({ ...raw })]]),
};

export const auditContract = (factory: LogFactory): void => {
  describe('integrity and audit', () => {
    it('verify passes on an untouched log and finds an op row changed behind its back', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p1', 'update', { motherName: 'Halima' });
        await tablet.write('patients', 'p1', 'update', { sex: 'Q' });
        const clean = await log.verify();
        expect(clean).toEqual({
          ok: true,
          checked: { ops: 5, documents: 4, devices: 2 },
          problems: [],
          record: {
            heads: [
              { deviceId: 'server.seed', seq: 3, hash: expect.stringMatching(HEX_64) },
              // Its third op, rejected, is not in its chain.
              { deviceId: 'tablet-a1', seq: 2, hash: expect.stringMatching(HEX_64) },
            ],
            log: { position: 5, digest: expect.stringMatching(HEX_64) },
          },
        });

        await tamper.rewriteOpBody('tablet-a1', 2, (body) => body.replace('Halima', 'Hauwa'));
        const report = await log.verify();
        expect(report.ok).toBe(false);
        expect(report.problems).toContainEqual(
          expect.objectContaining({ kind: 'chain', collection: 'patients', docId: 'p1' }),
        );
      }));

    it('verify finds a projection row changed behind its back, and replay rebuilds it from the log', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p2', 'create', patientData(FA, 'Bello Musa'));
        await tamper.rewriteProjectionData('patients', 'p2', {
          ...patientData(FA),
          fullName: 'Someone Else',
        });
        const report = await log.verify();
        expect(report.ok).toBe(false);
        expect(report.problems).toEqual([
          expect.objectContaining({ kind: 'projection', collection: 'patients', docId: 'p2' }),
        ]);

        expect(await log.replay()).toEqual({ documents: 5, ops: 5 });
        expect((await log.verify()).ok).toBe(true);
        const [doc] = rightOf(await log.snapshot(admin, undefined)).docs.filter(
          (d) => d.docId === 'p2',
        );
        expect(doc?.data).toMatchObject({ fullName: 'Bello Musa' });
      }));

    it('history as of a cursor before the document was created is not_found, as for one that never was', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const before = await log.head();
        const created = await tablet.write('patients', 'p1', 'create', patientData(FA));
        const at = created.status === 'accepted' ? created.cursor : '';
        expect(leftOf(await log.history(auditor, 'patients', 'p1', before)).code).toBe('not_found');
        expect(leftOf(await log.history(auditor, 'patients', 'never', undefined)).code).toBe(
          'not_found',
        );
        const then = rightOf(await log.history(auditor, 'patients', 'p1', at));
        expect(then.timeline.map(({ op }) => `${op.deviceId}:${op.seq}`)).toEqual(['tablet-a1:1']);
        expect(then.doc.data.fullName).toBe('Amina Yusuf');
      }));

    it('replay as of a cursor leaves the projection as of it, and a full replay brings it back', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const created = await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p1', 'update', { fullName: 'Amina Bello' });
        await tablet.write('patients', 'p2', 'create', patientData(FA, 'Bello Musa'));
        const asOf = created.status === 'accepted' ? created.cursor : '';

        expect(await log.replay(asOf)).toEqual({ documents: 4, ops: 4 });
        const then = rightOf(await log.snapshot(admin, undefined)).docs.filter(
          (d) => d.collection === 'patients',
        );
        expect(then.map((d) => [d.docId, d.data.fullName])).toEqual([['p1', 'Amina Yusuf']]);
        const report = await log.verify();
        expect(report.problems.map((p) => [p.kind, p.docId])).toEqual(
          expect.arrayContaining([
            ['projection', 'p1'],
            ['projection', 'p2'],
          ]),
        );

        const progress: number[] = [];
        expect(await log.replay(undefined, (done) => progress.push(done))).toEqual({
          documents: 5,
          ops: 6,
        });
        expect(progress.at(-1)).toBe(6);
        expect((await log.verify()).ok).toBe(true);
      }));

    it('verify finds a conflict record and a device chain head changed behind its back', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tamper.forgeConflict({
          id: 'cf-forged',
          collection: 'patients',
          docId: 'p1',
          position: 4,
        });
        await tamper.forgeChainHead('tablet-a1', 'f'.repeat(64));
        const kinds = (await log.verify()).problems.map((p) => p.kind).sort();
        expect(kinds).toEqual(['chain', 'conflicts']);
      }));

    it('recorded chain heads find a history that was changed, linked again and replayed', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p1', 'update', { motherName: 'Halima' });
        await tablet.write('patients', 'p1', 'update', { sex: 'F' });
        const recorded = (await log.verify()).record;
        expect(recorded.heads.find((h) => h.deviceId === 'tablet-a1')?.seq).toBe(3);
        expect(await log.verify(undefined, recorded)).toMatchObject({ ok: true, problems: [] });

        // A forger who can write the database changes op 2, links the chain again from there,
        // sets the chain head and rebuilds the projections: the chains alone pass.
        await tamper.rewriteOpBody('tablet-a1', 2, (body) => body.replace('Halima', 'Hauwa'));
        let link = GENESIS_HASH;
        for (const op of rightOf(await log.documentOps(admin, 'patients', 'p1'))) {
          link = chainHash(link, op);
          await tamper.rewriteLink('tablet-a1', op.seq, link);
        }
        await tamper.forgeChainHead('tablet-a1', link);
        await log.replay();
        const forged = await log.verify();
        expect(forged.ok).toBe(true);
        expect(forged.record).not.toEqual(recorded);

        const checked = await log.verify(undefined, recorded);
        expect(checked.ok).toBe(false);
        expect(checked.problems).toEqual([
          {
            kind: 'chain',
            collection: 'patients',
            docId: 'p1',
            detail:
              "op tablet-a1:3 is not the recorded head of the device's hash chain: its history up to there was changed",
          },
          {
            kind: 'chain',
            collection: null,
            docId: null,
            detail:
              'the log up to position 6 differs from its recorded digest: an op there was changed, moved, added or removed',
          },
        ]);
      }));

    it("a recorded log digest finds two devices' ops swapped in the log, which every chain passes", () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        await new TestDevice(log, workerA, 'tablet-a1').write(
          'patients',
          'p1',
          'create',
          patientData(FA),
        );
        await new TestDevice(log, workerA, 'tablet-a2').write(
          'patients',
          'p2',
          'create',
          patientData(FA),
        );
        const recorded = (await log.verify()).record;
        expect(recorded.log.position).toBe(5);
        await tamper.swapPositions(4, 5);
        await log.replay();
        expect(await log.verify()).toMatchObject({ ok: true, problems: [] });
        const checked = await log.verify(undefined, recorded);
        expect(checked.problems).toEqual([
          {
            kind: 'chain',
            collection: null,
            docId: null,
            detail:
              'the log up to position 5 differs from its recorded digest: an op there was changed, moved, added or removed',
          },
        ]);
        // Ops appended after the recorded position are the chains' to check, not the digest's.
        await new TestDevice(log, workerA, 'tablet-a3').write(
          'patients',
          'p3',
          'create',
          patientData(FA),
        );
        const later = await log.verify();
        expect(later.record.log.position).toBe(6);
        await tamper.swapPositions(4, 5);
        await log.replay();
        expect(await log.verify(undefined, recorded)).toMatchObject({ ok: true, problems: [] });
      }));

    it('a recorded chain head whose op is gone is reported', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        const { record } = await log.verify();
        const recorded = {
          ...record,
          heads: [...record.heads, { deviceId: 'tablet-gone', seq: 4, hash: 'a'.repeat(64) }],
        };
        await tamper.dropLastOp();
        const problems = (await log.verify(undefined, recorded)).problems.map((p) => p.detail);
        expect(problems).toContain(
          'the log ends at position 3, before position 4 of its recorded digest: ops were removed',
        );
        expect(problems).toContain(
          'device tablet-a1: op 1, the recorded head of its hash chain, is not in the log',
        );
        expect(problems).toContain(
          'device tablet-gone: op 4, the recorded head of its hash chain, is not in the log',
        );
      }));

    it('verify finds an op no longer visible to its scope, and visibility that names no op', () =>
      withLog(factory, async ({ log, tamper }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p1', 'update', { motherName: 'Halima' });
        expect(await log.verify()).toMatchObject({ ok: true, problems: [] });

        await tamper.dropOwnVisibility(4);
        await tamper.reveal(FB, 5, 77);
        const { problems } = await log.verify();
        expect(problems).toContainEqual({
          kind: 'visibility',
          collection: 'patients',
          docId: 'p1',
          detail: `op tablet-a1:1 is visible from its position to no facility, not to its scope: ${FA}`,
        });
        expect(problems).toContainEqual({
          kind: 'visibility',
          collection: null,
          docId: null,
          detail: `the visibility of position 77 to ${FB} from position 5 names position 77, which holds no op`,
        });
      }));

    it('logged ops carry their audit flags: skewed, possible duplicate, upcast', () =>
      withLog(
        factory,
        async ({ log }) => {
          await seedReferenceData(log);
          const tablet = new TestDevice(log, workerA, 'tablet-a1');
          await tablet.write('patients', 'p1', 'create', patientData(FA));
          await tablet.write('immunization_records', 'r1', 'create', recordData('p1', FA));
          await tablet.write('immunization_records', 'r2', 'create', recordData('p1', FA));
          const ahead = tablet.op(
            'patients',
            'p1',
            'update',
            { motherName: 'Halima' },
            {},
            {
              hlc: { ms: Date.now() + 10 * 60 * 1000, n: 0 },
            },
          );
          const old = tablet.op(
            'patients',
            'p1',
            'update',
            { townVillage: 'Kano' },
            {},
            { schema: 0 },
          );
          const result = await tablet.push(ahead, old);
          expect(result.results.map((r) => r.status)).toEqual(['accepted', 'accepted']);

          const flags = await log.flagsOf(
            [1, 2, 3, 4, 5, 9].map((seq) => ({ deviceId: 'tablet-a1', seq })),
          );
          expect(Object.fromEntries(flags)).toEqual({
            'tablet-a1:1': [],
            'tablet-a1:2': [],
            'tablet-a1:3': ['possible_duplicate'],
            'tablet-a1:4': ['skewed'],
            'tablet-a1:5': ['upcast'],
          });
          const history = rightOf(
            await log.history(auditor, 'immunization_records', 'r2', undefined),
          );
          expect(history.timeline[0]?.outcome.flags).toEqual(['possible_duplicate']);
        },
        { schemas: WITH_SCHEMA_ZERO },
      ));

    it('flags a possible duplicate within one batch, and never for a deleted record', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const first = await tablet.push(
          tablet.op('patients', 'p2', 'create', patientData(FA)),
          tablet.op('immunization_records', 'r3', 'create', recordData('p2', FA)),
          tablet.op('immunization_records', 'r4', 'create', recordData('p2', FA)),
          tablet.op('immunization_records', 'r5', 'create', recordData('p2', FA, 2)),
        );
        expect(first.results.map((r) => r.status)).toEqual([
          'accepted',
          'accepted',
          'accepted',
          'accepted',
        ]);
        const second = await tablet.push(
          tablet.op('immunization_records', 'r3', 'delete'),
          tablet.op('immunization_records', 'r4', 'delete'),
          tablet.op('immunization_records', 'r6', 'create', recordData('p2', FA)),
        );
        expect(second.results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
        const flags = await log.flagsOf(
          [2, 3, 4, 7].map((seq) => ({ deviceId: 'tablet-a1', seq })),
        );
        expect(Object.fromEntries(flags)).toEqual({
          'tablet-a1:2': [],
          'tablet-a1:3': ['possible_duplicate'],
          'tablet-a1:4': [],
          'tablet-a1:7': [],
        });
      }));
  });
};
