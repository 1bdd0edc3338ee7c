/**
 * After a function's commit, the projected rows in Appwrite follow the log: each document's row
 * with its facility's team as readers and the projector's mark, which the changes trigger
 * recognises as its own write. The same answers whether the log is on TablesDB (the rows are
 * written in the commit) or outside Appwrite (the entry fans the commit out).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_ID } from '../../src/adapters/appwrite/appwrite-schema.ts';
import { tablesDbDocumentRows } from '../../src/adapters/appwrite/document-rows.ts';
import { httpFunction } from '../../src/functions/appwrite/appwrite-functions.ts';
import { changesTriggerEntry } from '../../src/functions/appwrite/changes-trigger-entry.ts';
import { httpFunctionEntry } from '../../src/functions/appwrite/http-function-entry.ts';
import { resyncRows } from '../../src/functions/appwrite/rows-resync.ts';
import { field } from '../functions/service-harness.ts';
import { patientCreate, patientUpdate } from '../functions/sync-fixtures.ts';
import { type AppwriteFixture, HOST_LOGS, startAppwriteFixture } from './appwrite-fixture.ts';
import { execute, jsonOfExecution } from './open-runtimes-harness.ts';

let fixture: AppwriteFixture;

const push = async (userId: string, deviceId: string, ops: readonly unknown[]) => {
  const execution = await execute(
    httpFunctionEntry(httpFunction('push'), async () => fixture.host),
    {
      method: 'POST',
      url: '/v1/push',
      userId,
      key: fixture.double.apiKey,
      body: JSON.stringify({ deviceId, ops }),
    },
  );
  expect(execution.statusCode).toBe(200);
  return jsonOfExecution(execution);
};

/** How many rows of reference data the double holds. */
const referenceRows = async (): Promise<number> =>
  ['facilities', 'vaccines'].reduce(
    (sum, table) => sum + fixture.double.state.table(DEFAULT_DATABASE_ID, table).rows.size,
    0,
  );

const row = (tableId: string, rowId: string) =>
  fixture.double.tablesDb().getRow({ databaseId: DEFAULT_DATABASE_ID, tableId, rowId });

const record = (seq: number, docId: string, patientId: string) => ({
  deviceId: 'tab-1',
  seq,
  hlc: { ms: Date.parse('2025-01-01T00:00:00.000Z') + seq, n: 0 },
  ctx: {},
  schema: 1,
  collection: 'immunization_records',
  docId,
  kind: 'create',
  data: {
    patientId,
    vaccineId: 'vac-bcg',
    doseNumber: 1,
    dateAdministered: '2024-03-01',
    facilityId: 'fac-north',
  },
});

describe.each(HOST_LOGS)('with the log on %s', (where) => {
  beforeEach(async () => {
    fixture = await startAppwriteFixture(where);
  });

  afterEach(async () => {
    await fixture.close();
  });

  describe('the projected rows after a commit', () => {
    it('hold the document, its cursor, and read permission for its facility team only', async () => {
      const answer = await push('hw-north', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
      ]);
      const patient = await row('patients', 'p-1');
      expect(patient).toMatchObject({
        fullName: 'Amina Okello',
        facilityId: 'fac-north',
        townVillage: null,
        syncDeleted: false,
      });
      expect(patient.syncCursor).toBe(field(field(field(answer, 'results'), '0'), 'cursor'));
      expect(patient.$permissions).toEqual(['read("team:fac-north")']);
    });

    it('are readable by apps of the facility team only, as Appwrite enforces row permissions', async () => {
      await push('hw-north', 'tab-1', [patientCreate('tab-1', 1, 'p-1', 'fac-north')]);
      const asNorth = fixture.double.tablesDbAsUser('jwt-hw-north');
      const asSouth = fixture.double.tablesDbAsUser('jwt-hw-south');
      const params = { databaseId: DEFAULT_DATABASE_ID, tableId: 'patients', rowId: 'p-1' };
      expect((await asNorth.getRow(params)).fullName).toBe('Amina Okello');
      await expect(asSouth.getRow(params)).rejects.toMatchObject({
        code: 404,
        type: 'row_not_found',
      });
      const southList = await asSouth.listRows({
        databaseId: DEFAULT_DATABASE_ID,
        tableId: 'patients',
      });
      expect(southList.total).toBe(0);
    });

    it('follow later edits, and the changes trigger ignores them as the projector own writes', async () => {
      await push('hw-north', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
        patientUpdate('tab-1', 2, 'p-1', { townVillage: 'Gulu' }, { 'tab-1': 1 }),
      ]);
      const patient = await row('patients', 'p-1');
      expect(patient.townVillage).toBe('Gulu');
      const headBefore = await fixture.host.log.head();
      const execution = await execute(
        changesTriggerEntry(async () => fixture.host),
        {
          method: 'POST',
          trigger: 'event',
          event: `databases.${DEFAULT_DATABASE_ID}.tables.patients.rows.p-1.update`,
          key: fixture.double.apiKey,
          body: JSON.stringify(patient),
        },
      );
      expect(field(jsonOfExecution(execution), 'ignored')).toBe("the projector's own write");
      expect(await fixture.host.log.head()).toBe(headBefore);
    });

    it('move a patient records to the new facility team when the patient is transferred', async () => {
      await push('hw-north', 'tab-1', [
        patientCreate('tab-1', 1, 'p-1', 'fac-north'),
        record(2, 'r-1', 'p-1'),
      ]);
      expect((await row('immunization_records', 'r-1')).$permissions).toEqual([
        'read("team:fac-north")',
      ]);
      await push('supervisor', 'sup-1', [
        patientUpdate('sup-1', 1, 'p-1', { facilityId: 'fac-south' }, { 'tab-1': 1 }),
      ]);
      expect((await row('patients', 'p-1')).$permissions).toEqual(['read("team:fac-south")']);
      expect((await row('immunization_records', 'r-1')).$permissions).toEqual([
        'read("team:fac-south")',
      ]);
    });

    it('give reference data to every signed-in user', async () => {
      await push('admin', 'adm-1', [
        {
          deviceId: 'adm-1',
          seq: 1,
          hlc: { ms: 1, n: 0 },
          ctx: {},
          schema: 1,
          collection: 'vaccines',
          docId: 'vac-new',
          kind: 'create',
          data: { name: 'New', code: 'NEW', doses: 2 },
        },
      ]);
      expect((await row('vaccines', 'vac-new')).$permissions).toEqual(['read("users")']);
      expect((await row('sync_heads', 'everyone')).$permissions).toEqual(['read("users")']);
    });

    it('undo in the row a console edit that the log rejects', async () => {
      await push('hw-north', 'tab-1', [patientCreate('tab-1', 1, 'p-1', 'fac-north')]);
      const edited = { ...(await row('patients', 'p-1')), dateOfBirth: '2024-02-30' };
      await fixture.double.tablesDb().updateRow({
        databaseId: DEFAULT_DATABASE_ID,
        tableId: 'patients',
        rowId: 'p-1',
        data: { dateOfBirth: '2024-02-30' },
      });
      await execute(
        changesTriggerEntry(async () => fixture.host),
        {
          method: 'POST',
          trigger: 'event',
          event: `databases.${DEFAULT_DATABASE_ID}.tables.patients.rows.p-1.update`,
          key: fixture.double.apiKey,
          body: JSON.stringify(edited),
        },
      );
      expect((await row('patients', 'p-1')).dateOfBirth).toBe('2024-01-02');
      expect((await fixture.host.log.quarantine('server.appwrite'))[0]?.error.path).toBe(
        'data.dateOfBirth',
      );
    });

    // With the log on TablesDB the row is the log's own document (its state columns), written in
    // the commit: a resync from the log is for rows kept outside it.
    if (where === 'sqlite')
      it('are rewritten from the log by a resync, after they were lost', async () => {
        await push('hw-north', 'tab-1', [patientCreate('tab-1', 1, 'p-1', 'fac-north')]);
        await fixture.double
          .tablesDb()
          .deleteRow({ databaseId: DEFAULT_DATABASE_ID, tableId: 'patients', rowId: 'p-1' });
        const written = await resyncRows(
          fixture.host.log,
          tablesDbDocumentRows(fixture.double.tablesDb(), DEFAULT_DATABASE_ID),
        );
        expect((await row('patients', 'p-1')).fullName).toBe('Amina Okello');
        expect(written).toBe(
          fixture.double.state.table(DEFAULT_DATABASE_ID, 'patients').rows.size +
            (await referenceRows()),
        );
      });
  });
});
