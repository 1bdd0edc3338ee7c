/**
 * Appending (DESIGN.md section 4; PROTOCOL.md, POST /v1/push): idempotent retries, gaps,
 * all-or-nothing batches, the server's own ops.
 */
import { describe, expect, it } from 'vitest';
import { peekCursor } from '../../../src/log/cursor.ts';
import type { OpResult } from '../../../src/log/operation-log.ts';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  cursorOf,
  dotsOf,
  FA,
  patientData,
  pullAll,
  recordData,
  seedReferenceData,
  TestDevice,
  workerA,
} from '../log-fixtures.ts';
import { type LogFactory, withLog } from './log-fixture.ts';

const statuses = (results: readonly OpResult[]): string[] => results.map((r) => r.status);

export const appendContract = (factory: LogFactory): void => {
  describe('appending', () => {
    it('no dose is before its patient’s birth, whichever op moves which: in one batch and across batches', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        // Born 2020-03-01; a dose on 2020-04-01; then the birth moved to 2020-05-01, in one batch.
        const together = await tablet.push(
          tablet.op('patients', 'p1', 'create', patientData(FA)),
          tablet.op('immunization_records', 'r1', 'create', recordData('p1', FA)),
          tablet.op('patients', 'p1', 'update', { dateOfBirth: '2020-05-01' }, { 'tablet-a1': 1 }),
        );
        expect(statuses(together.results)).toEqual(['accepted', 'accepted', 'rejected']);
        expect(together.results[2]).toMatchObject({
          error: { code: 'invalid', path: 'data.dateOfBirth' },
        });
        // In a later batch, the same; a birth on the dose's day passes.
        expect(
          await tablet.write('patients', 'p1', 'update', { dateOfBirth: '2020-04-02' }),
        ).toMatchObject({ status: 'rejected', error: { path: 'data.dateOfBirth' } });
        expect(
          await tablet.write('patients', 'p1', 'update', { dateOfBirth: '2020-04-01' }),
        ).toMatchObject({ status: 'accepted' });
        // Once the record is deleted, it holds the birth back no more.
        expect(await tablet.write('immunization_records', 'r1', 'delete')).toMatchObject({
          status: 'accepted',
        });
        expect(
          await tablet.write('patients', 'p1', 'update', { dateOfBirth: '2020-05-01' }),
        ).toMatchObject({ status: 'accepted' });
        expect((await log.verify()).ok).toBe(true);
      }));

    it('a retried batch gets the same answers and appends nothing twice', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const ops = [
          tablet.op('patients', 'p1', 'create', patientData(FA)),
          tablet.op('patients', 'p1', 'update', { motherName: 'Halima' }),
          tablet.op('patients', 'p1', 'update', { sex: 'Q' }),
        ];
        const first = await tablet.push(...ops);
        expect(statuses(first.results)).toEqual(['accepted', 'accepted', 'rejected']);
        expect(first.ackedSeq).toBe(3);
        const head = await log.head();

        const again = await tablet.push(...ops);
        expect(again.results).toEqual(
          first.results.map((r) => (r.status === 'accepted' ? { ...r, status: 'duplicate' } : r)),
        );
        expect(again.ackedSeq).toBe(3);
        expect(await log.head()).toBe(head);
        const logged = (await pullAll(log, admin, undefined)).ops.filter(
          (o) => o.deviceId === 'tablet-a1',
        );
        expect(dotsOf(logged)).toEqual(['tablet-a1:1', 'tablet-a1:2']);
        expect(await log.quarantine('tablet-a1')).toHaveLength(1);
      }));

    it('a retry that also carries new ops answers the old ones as before and appends the new ones', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const create = tablet.op('patients', 'p1', 'create', patientData(FA));
        const first = await tablet.push(create);
        const update = tablet.op('patients', 'p1', 'update', { townVillage: 'Kano' });
        const second = await tablet.push(create, update);
        expect(second.results).toEqual([
          { seq: 1, status: 'duplicate', cursor: cursorOf(first.results[0]) },
          { seq: 2, status: 'accepted', cursor: expect.any(String) },
        ]);
        expect(second.ackedSeq).toBe(2);
      }));

    it('a gap stops the batch at the gap and says which seq is expected', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const one = tablet.op('patients', 'p1', 'create', patientData(FA));
        const two = tablet.op('patients', 'p1', 'update', { motherName: 'Halima' });
        const three = tablet.op('patients', 'p1', 'update', { motherName: 'Hauwa' });
        const four = tablet.op('patients', 'p1', 'update', { motherName: 'Hadiza' });

        const early = await tablet.push(two, three);
        expect(early.results).toEqual([
          { seq: 2, status: 'gap', expected: 1 },
          { seq: 3, status: 'gap', expected: 1 },
        ]);
        expect(early.ackedSeq).toBe(0);

        const partial = await tablet.push(one, two, four);
        expect(statuses(partial.results)).toEqual(['accepted', 'accepted', 'gap']);
        expect(partial.results[2]).toEqual({ seq: 4, status: 'gap', expected: 3 });
        expect(partial.ackedSeq).toBe(2);

        const rest = await tablet.push(three, four);
        expect(statuses(rest.results)).toEqual(['accepted', 'accepted']);
        expect(rest.ackedSeq).toBe(4);
      }));

    it('a failure injected in the middle of a batch leaves nothing of it', async () => {
      let armed = false;
      await withLog(
        factory,
        async ({ log, tamper }) => {
          await seedReferenceData(log);
          const headBefore = await log.head();
          const tablet = new TestDevice(log, workerA, 'tablet-a1');
          const ops = [
            tablet.op('patients', 'p1', 'create', patientData(FA)),
            tablet.op('patients', 'p2', 'create', patientData(FA, 'Bello Musa')),
            tablet.op('patients', 'p1', 'update', { sex: 'Q' }),
            tablet.op('patients', 'p2', 'update', { motherName: 'Zainab' }),
            tablet.op('patients', 'p1', 'update', { motherName: 'Halima' }),
          ];
          armed = true;
          await expect(
            log.append({ principal: workerA, deviceId: 'tablet-a1', ops }),
          ).rejects.toThrow('injected failure');
          armed = false;

          expect(await log.head()).toBe(headBefore);
          expect(await log.quarantine('tablet-a1')).toEqual([]);
          expect(leftOf(await log.deviceStatus(admin, 'tablet-a1')).code).toBe('not_found');
          expect(leftOf(await log.documentOps(admin, 'patients', 'p1')).code).toBe('not_found');
          expect(await tamper.storedDocIds('patients')).toEqual([]);
          expect((await log.verify()).ok).toBe(true);

          const retried = await tablet.push(...ops);
          expect(statuses(retried.results)).toEqual([
            'accepted',
            'accepted',
            'rejected',
            'accepted',
            'accepted',
          ]);
          expect(peekCursor(cursorOf(retried.results[0]))?.op).toBe(
            (peekCursor(headBefore)?.op ?? 0) + 1,
          );
        },
        {
          faultInjection: (stage, index) => {
            if (armed && stage === 'project' && index === 3) throw new Error('injected failure');
          },
        },
      );
    });

    it('a failure just before the commit leaves nothing of the batch', async () => {
      let armed = false;
      await withLog(
        factory,
        async ({ log }) => {
          await seedReferenceData(log);
          const headBefore = await log.head();
          const tablet = new TestDevice(log, workerA, 'tablet-a1');
          const ops = [
            tablet.op('patients', 'p1', 'create', patientData(FA)),
            tablet.op('patients', 'p1', 'update', { sex: 'Q' }),
          ];
          armed = true;
          await expect(
            log.append({ principal: workerA, deviceId: 'tablet-a1', ops }),
          ).rejects.toThrow('at commit');
          armed = false;
          expect(await log.head()).toBe(headBefore);
          expect(await log.quarantine()).toEqual([]);
          expect(statuses((await tablet.push(...ops)).results)).toEqual(['accepted', 'rejected']);
        },
        {
          faultInjection: (stage) => {
            if (armed && stage === 'commit') throw new Error('at commit');
          },
        },
      );
    });

    it('a server device’s clock never goes back, even when the server’s wall clock does', () => {
      const start = Date.UTC(2026, 5, 1, 9);
      let now = start;
      return withLog(
        factory,
        async ({ log }) => {
          await seedReferenceData(log);
          const edit = async (...minIntervalDays: readonly number[]) =>
            statuses(
              rightOf(
                await log.appendAsServer(
                  'server.appwrite',
                  { userId: 'admin-1', role: 'admin' },
                  minIntervalDays.map((days) => ({
                    collection: 'vaccines',
                    docId: 'vac-penta',
                    kind: 'update' as const,
                    data: { minIntervalDays: days },
                  })),
                ),
              ).results,
            );
          expect(await edit(28, 29)).toEqual(['accepted', 'accepted']);
          now = start - 3_600_000; // the server's wall clock is set back an hour
          expect(await edit(30)).toEqual(['accepted']);
          now = start + 60_000;
          expect(await edit(31, 32)).toEqual(['accepted', 'accepted']);
          const ops = rightOf(await log.documentOps(admin, 'vaccines', 'vac-penta')).filter(
            (op) => op.deviceId === 'server.appwrite',
          );
          expect(ops.map((op) => [op.seq, op.hlc])).toEqual([
            [1, { ms: start, n: 0 }],
            [2, { ms: start, n: 1 }],
            [3, { ms: start, n: 2 }],
            [4, { ms: start + 60_000, n: 0 }],
            [5, { ms: start + 60_000, n: 1 }],
          ]);
          expect((await log.verify()).ok).toBe(true);
        },
        { clock: () => now },
      );
    });

    it('the server appends its own ops with the next seqs of its device and the document as context', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const update = rightOf(
          await log.appendAsServer('server.appwrite', { userId: 'admin-1', role: 'admin' }, [
            {
              collection: 'vaccines',
              docId: 'vac-penta',
              kind: 'update',
              data: { minIntervalDays: 28 },
            },
            {
              collection: 'vaccines',
              docId: 'vac-bad',
              kind: 'create',
              data: { name: 'Bad', code: 'B', doses: 0 },
            },
            {
              collection: 'facilities',
              docId: 'fac-a',
              kind: 'update',
              data: { type: 'hospital' },
            },
          ]),
        );
        expect(statuses(update.results)).toEqual(['accepted', 'rejected', 'accepted']);
        expect(update.results[1]).toMatchObject({
          status: 'rejected',
          error: { code: 'invalid', path: 'data.doses' },
        });
        expect(update.ackedSeq).toBe(3);
        const ops = rightOf(await log.documentOps(admin, 'vaccines', 'vac-penta'));
        expect(ops.at(-1)).toMatchObject({
          deviceId: 'server.appwrite',
          seq: 1,
          ctx: { 'server.seed': 3 },
          author: { userId: 'admin-1', role: 'admin' },
        });
        expect(await log.quarantine('server.appwrite')).toHaveLength(1);
        expect(
          leftOf(await log.appendAsServer('tablet-9', { userId: 'admin-1', role: 'admin' }, []))
            .code,
        ).toBe('bad_request');
      }));

    it('every commit is announced to the listeners with the new head', () =>
      withLog(factory, async ({ log }) => {
        const heads: string[] = [];
        const stop = log.onCommit((head) => heads.push(head));
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p1', 'update', { sex: 'Q' });
        stop();
        await tablet.write('patients', 'p1', 'update', { motherName: 'Halima' });
        expect(heads).toHaveLength(2);
        expect(peekCursor(heads[1] ?? '')?.at).toBe(4);
      }));
  });
};
