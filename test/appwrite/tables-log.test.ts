/**
 * What the TablesDB log writes for apps that read Appwrite directly (APPWRITE.md sections 4 and
 * 5): the projected rows with their facility's read permission, and the per-facility sync-heads
 * rows that every commit updates (Realtime events).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appwriteSchema } from '../../src/adapters/appwrite/appwrite-schema.ts';
import { setupSchema } from '../../src/adapters/appwrite/appwrite-schema-setup.ts';
import { openTablesLog } from '../../src/adapters/appwrite/tables-log/tables-operation-log.ts';
import {
  FA,
  FB,
  patientData,
  recordData,
  seedReferenceData,
  supervisorAB,
  TestDevice,
  workerA,
} from '../log/log-fixtures.ts';
import { startTablesDbDouble, type TablesDbDouble } from './tables-db-double/tables-db-double.ts';

let double: TablesDbDouble;

beforeAll(async () => {
  double = await startTablesDbDouble({
    users: {
      'jwt-a': { userId: 'member-a', teams: [FA] },
      'jwt-b': { userId: 'member-b', teams: [FB] },
    },
  });
});

afterAll(async () => {
  await double.close();
});

describe('the TablesDB log as apps read it', () => {
  it('every commit updates the sync-heads rows of the facilities that can see its ops', async () => {
    const tablesDb = double.tablesDb();
    const databaseId = `rows_${randomBytes(6).toString('hex')}`;
    await setupSchema(tablesDb, appwriteSchema(databaseId));
    const log = await openTablesLog({ tablesDb, databaseId });
    try {
      await seedReferenceData(log);
      const everyone = await tablesDb.getRow({
        databaseId,
        tableId: 'sync_heads',
        rowId: 'everyone',
      });
      expect(everyone.head).toBe(await log.head());
      const tablet = new TestDevice(log, workerA, 'tablet-a1');
      await tablet.write('patients', 'p1', 'create', patientData(FA));
      const heads = await tablesDb.getRow({ databaseId, tableId: 'sync_heads', rowId: FA });
      expect(heads).toMatchObject({ facilityId: FA, head: await log.head() });
      expect(heads.$permissions).toEqual([`read("team:${FA}")`]);
      expect(
        (await tablesDb.getRow({ databaseId, tableId: 'sync_heads', rowId: 'everyone' })).head,
      ).toBe(everyone.head);
    } finally {
      await log.close();
    }
  });

  it('a projected row is readable by its facility’s team, a record by its patient’s, also after a transfer', async () => {
    const tablesDb = double.tablesDb();
    const databaseId = `rows_${randomBytes(6).toString('hex')}`;
    await setupSchema(tablesDb, appwriteSchema(databaseId));
    const log = await openTablesLog({ tablesDb, databaseId });
    try {
      await seedReferenceData(log);
      const tablet = new TestDevice(log, workerA, 'tablet-a1');
      await tablet.write('patients', 'p1', 'create', patientData(FA));
      await tablet.write('immunization_records', 'r1', 'create', recordData('p1', FA));
      const asA = double.tablesDbAsUser('jwt-a');
      const asB = double.tablesDbAsUser('jwt-b');
      const patient = await asA.getRow({ databaseId, tableId: 'patients', rowId: 'p1' });
      expect(patient).toMatchObject({
        fullName: 'Amina Yusuf',
        facilityId: FA,
        syncDeleted: false,
      });
      const record = await asA.getRow({ databaseId, tableId: 'immunization_records', rowId: 'r1' });
      expect(record).toMatchObject({ patientId: 'p1', doseNumber: 1 });
      await expect(asB.getRow({ databaseId, tableId: 'patients', rowId: 'p1' })).rejects.toThrow();
      await expect(
        asB.getRow({ databaseId, tableId: 'immunization_records', rowId: 'r1' }),
      ).rejects.toThrow();
      expect((await asB.getRow({ databaseId, tableId: 'vaccines', rowId: 'vac-penta' })).code).toBe(
        'PENTA',
      );

      // A transfer moves the patient's row and its record's row to the new facility's team.
      const office = new TestDevice(log, supervisorAB, 'office-ab');
      const moved = await office.write(
        'patients',
        'p1',
        'update',
        { facilityId: FB },
        {
          'tablet-a1': 1,
        },
      );
      expect(moved.status).toBe('accepted');
      expect((await asB.getRow({ databaseId, tableId: 'patients', rowId: 'p1' })).facilityId).toBe(
        FB,
      );
      expect(
        (await asB.getRow({ databaseId, tableId: 'immunization_records', rowId: 'r1' })).patientId,
      ).toBe('p1');
      await expect(
        asA.getRow({ databaseId, tableId: 'immunization_records', rowId: 'r1' }),
      ).rejects.toThrow();
    } finally {
      await log.close();
    }
  });
});
