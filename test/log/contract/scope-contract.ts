/**
 * Scope (DESIGN.md section 4; PROTOCOL.md, Scope): facilities read only their own documents,
 * reference data goes to everyone, and a transfer moves a patient's whole history.
 */
import { describe, expect, it } from 'vitest';
import { encodeSnapshotText } from '../../../src/functions/wire/snapshot-messages.ts';
import { comparePositions, type LogPosition, peekCursor } from '../../../src/log/cursor.ts';
import type { SnapshotDoc } from '../../../src/log/operation-log.ts';
import { snapshotDoc, snapshotDocJson } from '../../../src/log/snapshot-paging.ts';
import { fold } from '../../../src/projections/document-state.ts';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  cursorOf,
  dotsOf,
  FA,
  FB,
  notificationData,
  patientData,
  pullAll,
  recordData,
  seedReferenceData,
  supervisorAB,
  TestDevice,
  workerA,
  workerB,
} from '../log-fixtures.ts';
import { type LogFactory, withLog } from './log-fixture.ts';

const position = (cursor: string | undefined): LogPosition => {
  const p = cursor === undefined ? undefined : peekCursor(cursor);
  if (p === undefined) throw new Error(`not a cursor: ${cursor}`);
  return p;
};

export const scopeContract = (factory: LogFactory): void => {
  describe('scope', () => {
    it('a facility reads and writes only its own documents, and reference data is everyone’s', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tabletA = new TestDevice(log, workerA, 'tablet-a1');
        const tabletB = new TestDevice(log, workerB, 'tablet-b1');
        await tabletA.write('patients', 'pa', 'create', patientData(FA));
        await tabletB.write('patients', 'pb', 'create', patientData(FB, 'Bello Musa'));
        await tabletA.write('immunization_records', 'ra', 'create', recordData('pa', FA));

        const seed = ['server.seed:1', 'server.seed:2', 'server.seed:3'];
        expect(dotsOf((await pullAll(log, workerA, undefined)).ops)).toEqual([
          ...seed,
          'tablet-a1:1',
          'tablet-a1:2',
        ]);
        expect(dotsOf((await pullAll(log, workerB, undefined)).ops)).toEqual([
          ...seed,
          'tablet-b1:1',
        ]);
        expect((await pullAll(log, admin, undefined)).ops).toHaveLength(6);

        expect(await tabletA.write('patients', 'pb', 'update', { motherName: 'X' })).toMatchObject({
          status: 'rejected',
          error: { code: 'forbidden' },
        });
        expect(await tabletA.write('patients', 'pc', 'create', patientData(FB))).toMatchObject({
          status: 'rejected',
          error: { code: 'forbidden', path: 'data.facilityId' },
        });
        expect(leftOf(await log.documentOps(workerA, 'patients', 'pb')).code).toBe('not_found');
        expect(dotsOf(rightOf(await log.documentOps(workerB, 'patients', 'pb')))).toEqual([
          'tablet-b1:1',
        ]);

        const snapshotA = rightOf(await log.snapshot(workerA, undefined));
        expect(snapshotA.docs.map((d) => `${d.collection}/${d.docId}`)).toEqual([
          `facilities/${FA}`,
          `facilities/${FB}`,
          'immunization_records/ra',
          'patients/pa',
          'vaccines/vac-penta',
        ]);
      }));

    it('a transfer gives the new facility the patient’s whole history at the transfer’s position, and the old one nothing after it', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tabletA = new TestDevice(log, workerA, 'tablet-a1');
        const tabletB = new TestDevice(log, workerB, 'tablet-b1');
        const supervisor = new TestDevice(log, supervisorAB, 'web-sup-ab');
        const created = [
          await tabletA.write('patients', 'p1', 'create', patientData(FA)),
          await tabletA.write('immunization_records', 'r1', 'create', recordData('p1', FA)),
          await tabletA.write(
            'notifications',
            'n1',
            'create',
            notificationData(workerA.userId, 'p1'),
          ),
        ].map(cursorOf);
        await tabletB.write('patients', 'pb', 'create', patientData(FB, 'Bello Musa'));
        const seenByA = await pullAll(log, workerA, undefined);
        const seenByB = await pullAll(log, workerB, undefined);
        expect(dotsOf(seenByB.ops)).not.toContain('tablet-a1:1');

        const transfer = cursorOf(
          await supervisor.write(
            'patients',
            'p1',
            'update',
            { facilityId: FB },
            { 'tablet-a1': 1 },
          ),
        );

        const atB = await pullAll(log, workerB, seenByB.next);
        expect(dotsOf(atB.ops)).toEqual([
          'tablet-a1:1',
          'tablet-a1:2',
          'tablet-a1:3',
          'web-sup-ab:1',
        ]);
        expect(atB.ops.slice(0, 3).map((o) => o.cursor)).toEqual(created);
        expect(atB.ops[0]?.scope).toEqual([FA]);
        expect(atB.ops[3]?.scope).toEqual([FA, FB]);

        // Paging one op at a time: `next` only grows, the revealed ops keep their own cursors.
        let after = seenByB.next;
        const nexts: LogPosition[] = [];
        for (;;) {
          const page = rightOf(await log.readAfter(workerB, after, 1));
          if (page.ops.length === 0) break;
          after = page.next;
          nexts.push(position(page.next));
        }
        expect(nexts).toHaveLength(4);
        for (let i = 1; i < nexts.length; i++) {
          expect(
            comparePositions(nexts[i - 1] ?? { at: 0, op: 0 }, nexts[i] ?? { at: 0, op: 0 }),
          ).toBeLessThan(0);
        }
        expect(nexts.every((p) => p.at === position(transfer).at)).toBe(true);

        const atA = await pullAll(log, workerA, seenByA.next);
        expect(dotsOf(atA.ops)).toEqual(['web-sup-ab:1']);

        expect(
          await tabletB.write('immunization_records', 'r1', 'update', { batchNumber: 'B-1' }),
        ).toMatchObject({
          status: 'accepted',
        });
        expect(await tabletA.write('patients', 'p1', 'update', { motherName: 'X' })).toMatchObject({
          status: 'rejected',
          error: { code: 'forbidden' },
        });
        expect((await pullAll(log, workerA, atA.next)).ops).toEqual([]);
        expect(dotsOf((await pullAll(log, workerB, atB.next)).ops)).toEqual(['tablet-b1:2']);

        const docsOf = async (who: typeof workerA) =>
          rightOf(await log.snapshot(who, undefined)).docs.map((d) => `${d.collection}/${d.docId}`);
        expect(await docsOf(workerB)).toEqual(
          expect.arrayContaining(['patients/p1', 'immunization_records/r1', 'notifications/n1']),
        );
        expect(await docsOf(workerA)).not.toEqual(expect.arrayContaining(['patients/p1']));
        expect(await docsOf(workerA)).not.toContain('immunization_records/r1');
        expect((await log.verify()).ok).toBe(true);
      }));

    it('a record moved to another patient follows that patient, through later edits and the patient’s transfer', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tabletA = new TestDevice(log, workerA, 'tablet-a1');
        const tabletB = new TestDevice(log, workerB, 'tablet-b1');
        const supervisor = new TestDevice(log, supervisorAB, 'web-sup-ab');
        await tabletA.write('patients', 'p1', 'create', patientData(FA));
        await tabletA.write('immunization_records', 'r1', 'create', recordData('p1', FA));
        await tabletB.write('patients', 'pb', 'create', patientData(FB, 'Bello Musa'));
        const docsOf = async (who: typeof workerA) =>
          rightOf(await log.snapshot(who, undefined)).docs.map((d) => `${d.collection}/${d.docId}`);

        // Another patient: the record's patient changes (its row's patient changes with it).
        expect(
          await supervisor.write(
            'immunization_records',
            'r1',
            'update',
            { patientId: 'pb' },
            { 'tablet-a1': 2 },
          ),
        ).toMatchObject({ status: 'accepted' });
        // An edit that keeps the patient (its row's patient is left as it is).
        expect(
          await tabletB.write('immunization_records', 'r1', 'update', { batchNumber: 'B-2' }),
        ).toMatchObject({ status: 'accepted' });
        expect(await docsOf(workerB)).toContain('immunization_records/r1');
        expect(await docsOf(workerA)).not.toContain('immunization_records/r1');

        // The new patient's transfer takes the record along: the log finds it by its patient.
        expect(
          await supervisor.write(
            'patients',
            'pb',
            'update',
            { facilityId: FA },
            { 'tablet-b1': 1 },
          ),
        ).toMatchObject({ status: 'accepted' });
        expect(await docsOf(workerA)).toEqual(
          expect.arrayContaining(['patients/pb', 'immunization_records/r1']),
        );
        expect(await docsOf(workerB)).not.toContain('immunization_records/r1');
        const atA = await pullAll(log, workerA, undefined);
        expect(dotsOf(atA.ops)).toEqual(
          expect.arrayContaining(['tablet-b1:1', 'web-sup-ab:1', 'tablet-b1:2', 'web-sup-ab:2']),
        );
        expect((await log.verify()).ok).toBe(true);
      }));

    it('a notification without a patient goes to its recipient’s facilities, as the resolver names them', () =>
      withLog(
        factory,
        async ({ log }) => {
          await seedReferenceData(log);
          const web = new TestDevice(log, supervisorAB, 'web-sup-ab');
          const toB = {
            userId: workerB.userId,
            type: 'message',
            message: 'Stock count due',
            read: false,
          };
          const toNobody = { ...toB, userId: 'user-unknown' };
          expect(await web.write('notifications', 'n1', 'create', toB)).toMatchObject({
            status: 'accepted',
          });
          expect(await web.write('notifications', 'n2', 'create', toNobody)).toMatchObject({
            status: 'accepted',
          });

          const n1 = rightOf(await log.documentOps(workerB, 'notifications', 'n1'));
          expect(n1.map((o) => o.scope)).toEqual([[FB]]);
          expect(leftOf(await log.documentOps(workerA, 'notifications', 'n1')).code).toBe(
            'not_found',
          );
          expect(leftOf(await log.documentOps(workerB, 'notifications', 'n2')).code).toBe(
            'not_found',
          );
          expect(rightOf(await log.documentOps(admin, 'notifications', 'n2'))).toHaveLength(1);
          const docsOfB = rightOf(await log.snapshot(workerB, undefined)).docs.map((d) => d.docId);
          expect(docsOfB).toContain('n1');
          expect(docsOfB).not.toContain('n2');
          const tablet = new TestDevice(log, workerA, 'tablet-a1');
          expect(await tablet.write('notifications', 'n3', 'create', toB)).toMatchObject({
            status: 'rejected',
            error: { code: 'forbidden' },
          });
        },
        { userFacilities: (userId) => (userId === workerB.userId ? [FB] : []) },
      ));

    it('a snapshot is paged at one cursor and gives documents as of it, deleted ones included', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        await tablet.write('patients', 'p1', 'create', patientData(FA));
        await tablet.write('patients', 'p2', 'create', patientData(FA, 'Bello Musa'));
        await tablet.write('patients', 'p2', 'delete');

        const first = rightOf(await log.snapshot(workerA, undefined, 2));
        expect(first.docs.map((d) => d.docId)).toEqual([FA, FB]);
        expect(first.nextPage).not.toBeNull();
        // Changes after the snapshot's cursor are not in its later pages.
        await tablet.write('patients', 'p2', 'restore');
        await tablet.write('patients', 'p3', 'create', patientData(FA, 'Chidi Okafor'));
        const second = rightOf(await log.snapshot(workerA, first.nextPage ?? undefined, 2));
        expect(second.cursor).toBe(first.cursor);
        expect(second.docs.map((d) => [d.docId, d.deleted])).toEqual([
          ['p1', false],
          ['p2', true],
        ]);
        expect(second.docs[1]?.data).toMatchObject({ fullName: 'Bello Musa' });
        expect(second.docs[0]?.meta).toHaveProperty('state');
        const third = rightOf(await log.snapshot(workerA, second.nextPage ?? undefined, 2));
        expect(third.docs.map((d) => d.docId)).toEqual(['vac-penta']);
        expect(third.cursor).toBe(first.cursor);
        expect(third.nextPage).toBeNull();

        expect(leftOf(await log.snapshot(workerA, `${first.nextPage}x`)).code).toBe('bad_cursor');
        expect(leftOf(await log.snapshot(workerA, first.cursor)).code).toBe('bad_cursor');
      }));

    it('pages of any size, put together, are the snapshot in one page, in key order', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) {
          await tablet.write('patients', id, 'create', patientData(FA));
          await tablet.write('immunization_records', `r-${id}`, 'create', recordData(id, FA));
        }
        const keyOf = (d: SnapshotDoc): string => `${d.collection}/${d.docId}`;
        const whole = rightOf(await log.snapshot(admin, undefined)).docs.map(keyOf);
        expect(whole).toEqual(
          [...whole].sort((a, b) => {
            const [ca = '', da = ''] = a.split('/');
            const [cb = '', db = ''] = b.split('/');
            return ca === cb ? (da < db ? -1 : 1) : ca < cb ? -1 : 1;
          }),
        );
        for (const size of [1, 2, 3, 4, 7]) {
          const keys: string[] = [];
          let token: string | undefined;
          do {
            const page = rightOf(await log.snapshot(admin, token, size));
            keys.push(...page.docs.map(keyOf));
            token = page.nextPage ?? undefined;
          } while (token !== undefined);
          expect(keys, `pages of ${size}`).toEqual(whole);
        }
      }));

    it('each snapshot document, on the wire and as read, is the fold of its ops up to the cursor', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const phone = new TestDevice(log, workerA, 'phone-a2');
        await tablet.write('patients', 'p1', 'create', patientData(FA, 'Ngozi "Ada" Obi'));
        await tablet.write('patients', 'p1', 'update', { motherName: 'Ámìnà \\ Bello\n' });
        await phone.write('patients', 'p1', 'update', { motherName: 'Zainab' });
        await tablet.write('patients', 'p2', 'create', patientData(FA, 'Bello Musa'));
        await tablet.write('patients', 'p2', 'delete');
        await tablet.write('immunization_records', 'r1', 'create', recordData('p1', FA));

        const first = rightOf(await log.snapshot(admin, undefined, 3));
        // Changed after the snapshot's cursor: its later pages give them as of the cursor.
        await tablet.write('patients', 'p1', 'update', { motherName: 'Later' });
        await tablet.write('patients', 'p2', 'restore');
        await tablet.write('immunization_records', 'r1', 'update', { notes: 'later' });
        const pages = [first];
        for (let next = first.nextPage; next !== null; ) {
          const page = rightOf(await log.snapshot(admin, next, 3));
          pages.push(page);
          next = page.nextPage;
        }

        const head = position(first.cursor);
        const expected = async (doc: SnapshotDoc): Promise<unknown> => {
          const ops = rightOf(await log.documentOps(admin, doc.collection, doc.docId)).filter(
            (op) => comparePositions(position(op.cursor), head) <= 0,
          );
          const state = fold(doc.collection, doc.docId, ops);
          return JSON.parse(JSON.stringify(snapshotDoc(doc.collection, doc.docId, state)));
        };
        const docs = pages.flatMap((page) => page.docs);
        expect(docs.map((d) => d.docId)).toEqual(expect.arrayContaining(['p1', 'p2', 'r1']));
        for (const doc of docs) {
          const want = await expected(doc);
          expect(JSON.parse(snapshotDocJson(doc))).toEqual(want);
          expect(JSON.parse(JSON.stringify(doc))).toEqual(want);
        }
        const p1 = docs.find((d) => d.docId === 'p1');
        expect(p1?.data).toMatchObject({ motherName: expect.not.stringMatching(/^Later$/) });
        expect(docs.find((d) => d.docId === 'p2')?.deleted).toBe(true);
        for (const page of pages) {
          const wire = JSON.parse(encodeSnapshotText(page));
          expect(wire).toEqual(JSON.parse(JSON.stringify(page)));
          expect(wire.docs).toHaveLength(page.docs.length);
        }
      }));
  });
};
