/**
 * The device registry (DESIGN.md section 6; PROTOCOL.md, POST /v1/push and GET /v1/status):
 * owner binding, reserved devices, progress and the quarantine of rejected ops.
 */
import { describe, expect, it } from 'vitest';
import { leftOf, rightOf } from '../../domain/expect-either.ts';
import {
  admin,
  auditor,
  FA,
  FB,
  patientData,
  recordData,
  seedReferenceData,
  supervisorA,
  supervisorB,
  TestDevice,
  workerA,
  workerA2,
  workerB,
} from '../log-fixtures.ts';
import { type LogFactory, withLog } from './log-fixture.ts';

const DAY = 24 * 60 * 60 * 1000;

export const deviceContract = (factory: LogFactory): void => {
  describe('devices', () => {
    it('a device is bound to the first user that pushes or pulls for it', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const mine = new TestDevice(log, workerA, 'tablet-a1');
        await mine.write('patients', 'p1', 'create', patientData(FA));
        const theirs = new TestDevice(log, workerA2, 'tablet-a1');
        const refused = await log.append({
          principal: workerA2,
          deviceId: 'tablet-a1',
          ops: [theirs.op('patients', 'p2', 'create', patientData(FA))],
        });
        expect(leftOf(refused).code).toBe('forbidden');
        expect(leftOf(await log.bindDevice(workerA2, 'tablet-a1')).code).toBe('forbidden');
        expect(rightOf(await log.bindDevice(workerA, 'tablet-a1'))).toBeUndefined();

        // A pull binds as well as a push does.
        expect(rightOf(await log.bindDevice(workerB, 'tablet-b1'))).toBeUndefined();
        const stolen = new TestDevice(log, workerA, 'tablet-b1');
        expect(
          leftOf(
            await log.append({
              principal: workerA,
              deviceId: 'tablet-b1',
              ops: [stolen.op('patients', 'p3', 'create', patientData(FA))],
            }),
          ).code,
        ).toBe('forbidden');
        expect(leftOf(await log.documentOps(admin, 'patients', 'p2')).code).toBe('not_found');
      }));

    it('server devices are reserved: no user may push or pull for them', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const forged = new TestDevice(log, admin, 'server.seed');
        const refused = await log.append({
          principal: admin,
          deviceId: 'server.seed',
          ops: [forged.op('vaccines', 'v2', 'create', { name: 'Measles', code: 'MCV', doses: 2 })],
        });
        expect(leftOf(refused).code).toBe('forbidden');
        expect(leftOf(await log.bindDevice(admin, 'server.resolutions')).code).toBe('forbidden');
        expect(leftOf(await log.documentOps(admin, 'vaccines', 'v2')).code).toBe('not_found');
      }));

    it('rejected ops are quarantined with their reasons, and their seqs are consumed', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const ops = [
          tablet.op('patients', 'p1', 'create', { ...patientData(FA), nickname: 'Ami' }),
          tablet.op('facilities', 'fac-c', 'create', {
            name: 'Gamma',
            district: 'D3',
            region: 'R2',
          }),
          tablet.op('immunization_records', 'r1', 'create', recordData('nobody', FA)),
          tablet.op('patients', 'p1', 'create', patientData(FA), {}, { schema: 99 }),
          tablet.op('patients', 'p1', 'create', patientData(FA)),
        ];
        const result = await tablet.push(...ops);
        expect(
          result.results.map((r) =>
            r.status === 'rejected' ? [r.error.code, r.error.path] : r.status,
          ),
        ).toEqual([
          ['invalid', 'data.nickname'],
          ['forbidden', 'collection'],
          ['invalid', 'data.patientId'],
          ['unsupported_schema', 'schema'],
          'accepted',
        ]);
        expect(result.ackedSeq).toBe(5);
        const quarantined = await log.quarantine('tablet-a1');
        expect(quarantined.map((q) => [q.seq, q.userId, q.error.code])).toEqual([
          [1, workerA.userId, 'invalid'],
          [2, workerA.userId, 'forbidden'],
          [3, workerA.userId, 'invalid'],
          [4, workerA.userId, 'unsupported_schema'],
        ]);
        expect(quarantined[0]?.raw).toEqual(ops[0]?.raw);
        expect(quarantined[3]?.raw).toEqual(ops[3]?.raw);
        expect(await log.quarantine('tablet-b1')).toEqual([]);
        expect(await log.quarantine()).toHaveLength(4);
      }));

    it('a device’s status shows its progress to those who may see it', () =>
      withLog(factory, async ({ log }) => {
        await seedReferenceData(log);
        const tablet = new TestDevice(log, workerA, 'tablet-a1');
        const pushed = await tablet.push(
          tablet.op('patients', 'p1', 'create', patientData(FA)),
          tablet.op('patients', 'p1', 'update', { sex: 'Q' }),
        );
        const pulled = rightOf(await log.readAfter(workerA, undefined, 2));
        await log.recordPull('tablet-a1', pulled.next);
        const other = new TestDevice(log, workerB, 'tablet-b1');
        await other.write('patients', 'pb', 'create', patientData(FB));

        const status = rightOf(await log.deviceStatus(workerA, 'tablet-a1'));
        expect(status).toMatchObject({
          deviceId: 'tablet-a1',
          userId: workerA.userId,
          ackedSeq: pushed.ackedSeq,
          pulledCursor: pulled.next,
          behind: 2,
          rejected: 1,
          openConflicts: 0,
        });
        expect(status.lastPushAt).not.toBeNull();
        expect(status.lastPullAt).not.toBeNull();
        expect(rightOf(await log.deviceStatus(supervisorA, 'tablet-a1')).ackedSeq).toBe(2);
        expect(rightOf(await log.deviceStatus(auditor, 'tablet-a1')).ackedSeq).toBe(2);
        expect(leftOf(await log.deviceStatus(supervisorB, 'tablet-a1')).code).toBe('forbidden');
        expect(leftOf(await log.deviceStatus(workerB, 'tablet-a1')).code).toBe('forbidden');
        expect(leftOf(await log.deviceStatus(admin, 'tablet-zz')).code).toBe('not_found');
        expect(leftOf(await log.deviceStatus(workerA, 'tablet-zz')).code).toBe('forbidden');

        expect(rightOf(await log.bindDevice(admin, 'laptop-admin'))).toBeUndefined();
        expect(leftOf(await log.deviceStatus(supervisorA, 'laptop-admin')).code).toBe('forbidden');
        expect(rightOf(await log.deviceStatus(auditor, 'laptop-admin')).userId).toBe(admin.userId);

        const overview = rightOf(await log.statusOverview(supervisorA));
        expect(overview.head).toBe(await log.head());
        expect(overview.devices.map((d) => d.deviceId)).toEqual(['tablet-a1']);
        expect(overview.stale).toEqual([]);
        const everyone = rightOf(await log.statusOverview(admin, Date.now() + 2 * DAY));
        expect(everyone.devices.map((d) => d.deviceId)).toEqual([
          'laptop-admin',
          'tablet-a1',
          'tablet-b1',
        ]);
        expect(everyone.stale.map((d) => d.deviceId)).toEqual([
          'laptop-admin',
          'tablet-a1',
          'tablet-b1',
        ]);
        expect(leftOf(await log.statusOverview(workerA)).code).toBe('forbidden');
      }));
  });
};
