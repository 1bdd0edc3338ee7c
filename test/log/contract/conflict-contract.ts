/**
 * Conflicts (PROTOCOL.md, Conflicts and POST /v1/conflicts/:id/resolve) and history (GET
 * /v1/history): records as the log stores them, and resolutions appended as server ops.
 */
import { describe, expect, it } from 'vitest';
import { RESOLUTIONS_DEVICE } from '../../../src/domain/ids.ts';
import type { OperationLog } from '../../../src/log/operation-log.ts';
import type { ConflictRecord } from '../../../src/projections/conflict-record.ts';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  auditor,
  cursorOf,
  FA,
  patientData,
  pullAll,
  seedReferenceData,
  supervisorA,
  supervisorB,
  TestDevice,
  workerA,
  workerA2,
} from '../log-fixtures.ts';
import { type LogFactory, withLog } from './log-fixture.ts';

/** Two devices of facility A that edit the same patient without seeing each other's edits. */
const twoEditors = (log: OperationLog) => ({
  first: new TestDevice(log, workerA, 'tablet-a1'),
  second: new TestDevice(log, workerA2, 'tablet-a2'),
});

/** The open conflicts of a document as a supervisor of facility A lists them. */
const openConflicts = async (
  log: OperationLog,
  docId: string,
): Promise<readonly ConflictRecord[]> =>
  rightOf(await log.conflicts(supervisorA, { status: 'open' })).conflicts.filter(
    (c) => c.docId === docId,
  );

export const conflictContract = (factory: LogFactory): void => {
  describe('conflicts', () => {
    it('concurrent edits of a review field open a conflict that a resolution closes', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const { first, second } = twoEditors(log);
        await first.write('patients', 'p1', 'create', patientData(FA));
        await first.write('patients', 'p1', 'update', { fullName: 'Amina Y.' });
        await second.write(
          'patients',
          'p1',
          'update',
          { fullName: 'Aminah Yusuf' },
          { 'tablet-a1': 1 },
        );

        const [record] = await openConflicts(log, 'p1');
        expect(record).toMatchObject({
          kind: 'field',
          fields: ['fullName'],
          status: 'open',
          current: true,
        });
        if (record === undefined) throw new Error('no open conflict');
        expect(rightOf(await log.deviceStatus(admin, 'tablet-a2')).openConflicts).toBe(1);
        const head = await log.head();

        const resolved = rightOf(
          await log.resolve(auditor, record.id, { fullName: 'Amina Yusuf-Bello' }),
        );
        expect(resolved.conflict).toMatchObject({
          id: record.id,
          status: 'resolved',
          resolvedBy: { userId: auditor.userId, deviceId: RESOLUTIONS_DEVICE, seq: 1 },
        });
        const [op] = (await pullAll(log, admin, head)).ops;
        expect(op).toMatchObject({
          deviceId: RESOLUTIONS_DEVICE,
          seq: 1,
          kind: 'update',
          data: { fullName: 'Amina Yusuf-Bello' },
          ctx: { 'tablet-a1': 2, 'tablet-a2': 1 },
          author: { userId: auditor.userId, role: 'auditor' },
          cursor: resolved.cursor,
        });
        expect(await openConflicts(log, 'p1')).toEqual([]);
        const listed = rightOf(await log.conflicts(auditor, { status: 'resolved' })).conflicts;
        expect(listed.map((c) => c.id)).toEqual([record.id]);
        const history = rightOf(await log.history(auditor, 'patients', 'p1', undefined));
        expect(history.doc.data).toMatchObject({ fullName: 'Amina Yusuf-Bello' });
        expect(history.doc.disputed).toEqual([]);

        expect(leftOf(await log.resolve(admin, record.id, { fullName: 'Again' })).code).toBe(
          'already_resolved',
        );
        expect((await log.verify()).ok).toBe(true);
      }));

    it('resolutions keep their device’s clock going forward when the server’s clock goes back', () => {
      const start = Date.UTC(2026, 5, 1, 9);
      let now = start;
      return withLog(
        factory,
        async ({ log }) => {
          await seedReferenceData(log);
          const { first, second } = twoEditors(log);
          const resolveConflictOf = async (docId: string, fullName: string) => {
            await first.write('patients', docId, 'create', patientData(FA));
            await first.write('patients', docId, 'update', { fullName: `${fullName} A` });
            await second.write(
              'patients',
              docId,
              'update',
              { fullName: `${fullName} B` },
              { [first.deviceId]: first.seq - 1 },
            );
            const [record] = await openConflicts(log, docId);
            if (record === undefined) throw new Error(`no open conflict on ${docId}`);
            return rightOf(await log.resolve(auditor, record.id, { fullName }));
          };
          await resolveConflictOf('p1', 'Amina Yusuf');
          now = start - 3_600_000; // the server's wall clock is set back an hour
          await resolveConflictOf('p2', 'Baraka Otieno');
          now = start + 60_000;
          await resolveConflictOf('p3', 'Chausiku Mwangi');
          const resolutions = (await pullAll(log, admin, undefined)).ops.filter(
            (op) => op.deviceId === RESOLUTIONS_DEVICE,
          );
          expect(resolutions.map((op) => [op.seq, op.hlc])).toEqual([
            [1, { ms: start, n: 0 }],
            [2, { ms: start, n: 1 }],
            [3, { ms: start + 60_000, n: 0 }],
          ]);
          expect((await log.verify()).ok).toBe(true);
        },
        { clock: () => now },
      );
    });

    it('a refused resolution names its reason and changes nothing', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const { first, second } = twoEditors(log);
        await first.write('patients', 'p1', 'create', patientData(FA));
        await first.write('patients', 'p1', 'update', { fullName: 'Amina Y.' });
        await second.write(
          'patients',
          'p1',
          'update',
          { fullName: 'Aminah Yusuf' },
          { 'tablet-a1': 1 },
        );
        const [record] = await openConflicts(log, 'p1');
        if (record === undefined) throw new Error('no open conflict');
        const head = await log.head();

        const refusal = async (who: typeof admin, id: string, data: unknown) =>
          leftOf(await log.resolve(who, id, data));
        expect((await refusal(workerA, record.id, { fullName: 'X' })).code).toBe('forbidden');
        expect((await refusal(supervisorB, record.id, { fullName: 'X' })).code).toBe('forbidden');
        expect((await refusal(auditor, 'cf0000000000000000000000', { fullName: 'X' })).code).toBe(
          'not_found',
        );
        expect(await refusal(auditor, record.id, { fullName: '' })).toMatchObject({
          code: 'bad_request',
          path: 'data.fullName',
        });
        expect(await refusal(auditor, record.id, { fullName: 'X', sex: 'M' })).toMatchObject({
          code: 'bad_request',
          path: 'data.sex',
        });
        expect(await refusal(auditor, record.id, {})).toMatchObject({
          code: 'bad_request',
          path: 'data.fullName',
        });
        expect(await refusal(auditor, record.id, 'X')).toMatchObject({
          code: 'bad_request',
          path: 'data',
        });
        expect(await log.head()).toBe(head);
        expect(await openConflicts(log, 'p1')).toHaveLength(1);
        expect(
          rightOf(await log.resolve(supervisorA, record.id, { fullName: 'Amina Yusuf' })).conflict
            .status,
        ).toBe('resolved');
      }));

    it('a conflict superseded by a later edit is stale, and a delete conflict is not resolvable', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const { first, second } = twoEditors(log);
        const web = new TestDevice(log, supervisorA, 'web-sup-a');
        await first.write('patients', 'p1', 'create', patientData(FA));
        await first.write('patients', 'p1', 'update', { motherName: 'Halima' });
        await second.write('patients', 'p1', 'update', { motherName: 'Hauwa' }, { 'tablet-a1': 1 });
        const [record] = await openConflicts(log, 'p1');
        if (record === undefined) throw new Error('no open conflict');
        await first.write('patients', 'p1', 'update', { motherName: 'Hadiza' }, { 'tablet-a2': 1 });
        expect(leftOf(await log.resolve(auditor, record.id, { motherName: 'Halima' })).code).toBe(
          'stale',
        );

        await first.write('patients', 'p2', 'create', patientData(FA, 'Bello Musa'));
        await first.write('patients', 'p2', 'update', { address: 'Market Road 4' });
        await web.write('patients', 'p2', 'delete', undefined, { 'tablet-a1': 4 });
        const all = rightOf(await log.conflicts(admin, { status: 'all' })).conflicts;
        const deletion = all.find((c) => c.docId === 'p2' && c.kind === 'delete');
        expect(deletion).toMatchObject({
          rule: 'delete_wins',
          status: 'auto',
          winner: { deviceId: 'web-sup-a', seq: 1 },
        });
        expect(leftOf(await log.resolve(auditor, deletion?.id ?? '', { address: 'X' })).code).toBe(
          'not_resolvable',
        );
      }));

    it('conflicts are listed by status, for supervisors only of their facilities, in pages', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const { first, second } = twoEditors(log);
        for (const docId of ['p1', 'p2', 'p3']) {
          const created = await first.write('patients', docId, 'create', patientData(FA));
          cursorOf(created);
          const base = first.seq;
          await first.write('patients', docId, 'update', { fullName: `${docId} one` });
          await second.write(
            'patients',
            docId,
            'update',
            { fullName: `${docId} two` },
            { 'tablet-a1': base },
          );
        }
        const page1 = rightOf(await log.conflicts(supervisorA, { status: 'open', limit: 2 }));
        expect(page1.conflicts).toHaveLength(2);
        expect(page1.next).not.toBeNull();
        const page2 = rightOf(
          await log.conflicts(supervisorA, { status: 'open', limit: 2, after: page1.next ?? '' }),
        );
        expect(page2.conflicts).toHaveLength(1);
        expect(page2.next).toBeNull();
        const ids = [...page1.conflicts, ...page2.conflicts].map((c) => c.id);
        expect(new Set(ids).size).toBe(3);
        expect(rightOf(await log.conflicts(supervisorB, { status: 'open' })).conflicts).toEqual([]);
        expect(rightOf(await log.conflicts(admin, { status: 'auto' })).conflicts).toEqual([]);
        expect(
          rightOf(await log.conflicts(admin, { status: 'open', collection: 'vaccines' })).conflicts,
        ).toEqual([]);
        expect(leftOf(await log.conflicts(workerA, { status: 'open' })).code).toBe('forbidden');
      }));

    it('a document’s history explains each op as of a cursor, for those who may read it', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const created = cursorOf(await tablet.write('patients', 'p1', 'create', patientData(FA)));
        await tablet.write('patients', 'p1', 'update', { fullName: 'Amina Bello' });

        const now = rightOf(await log.history(supervisorA, 'patients', 'p1', undefined));
        expect(now.doc.data).toMatchObject({ fullName: 'Amina Bello' });
        expect(now.timeline.map((t) => [t.op.seq, t.outcome.applied.includes('fullName')])).toEqual(
          [
            [1, false],
            [2, true],
          ],
        );
        expect(now.timeline[0]?.outcome.lost).toEqual([
          { field: 'fullName', to: { deviceId: 'tablet-a1', seq: 2 }, rule: 'superseded' },
        ]);
        const then = rightOf(await log.history(auditor, 'patients', 'p1', created));
        expect(then.doc.data).toMatchObject({ fullName: 'Amina Yusuf' });
        expect(then.timeline).toHaveLength(1);
        expect(leftOf(await log.history(workerA, 'patients', 'p1', undefined)).code).toBe(
          'forbidden',
        );
        expect(leftOf(await log.history(supervisorB, 'patients', 'p1', undefined)).code).toBe(
          'forbidden',
        );
        expect(leftOf(await log.history(admin, 'patients', 'nobody', undefined)).code).toBe(
          'not_found',
        );
      }));
  });
};
