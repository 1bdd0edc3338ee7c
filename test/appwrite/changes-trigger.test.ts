/**
 * The `changes-trigger` function: edits made directly in Appwrite become server-class ops of
 * device `server.appwrite`; the projector's own writes are ignored.
 */
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_ID,
  SYNC_HEADS_TABLE,
} from '../../src/adapters/appwrite/appwrite-schema.ts';
import { projectorDigest } from '../../src/adapters/appwrite/projector-mark.ts';
import type { LoggedOp } from '../../src/domain/operation.ts';
import { changesTriggerEntry } from '../../src/functions/appwrite/changes-trigger-entry.ts';
import { systemPrincipal } from '../../src/functions/system-principal.ts';
import { field } from '../functions/service-harness.ts';
import { type AppwriteFixture, HOST_LOGS, startAppwriteFixture } from './appwrite-fixture.ts';
import { execute, jsonOfExecution } from './open-runtimes-harness.ts';

let fixture: AppwriteFixture;

const PATIENT = {
  fullName: 'Amina Okello',
  sex: 'F',
  dateOfBirth: '2024-01-02',
  facilityId: 'fac-north',
};

/** A row as the API returns it in an event's body: system fields and every column. */
const rowOf = (tableId: string, rowId: string, columns: Readonly<Record<string, unknown>>) => ({
  $id: rowId,
  $sequence: '1',
  $tableId: tableId,
  $databaseId: DEFAULT_DATABASE_ID,
  $createdAt: '2025-06-01T00:00:00.000Z',
  $updatedAt: '2025-06-01T00:00:00.000Z',
  $permissions: [],
  motherName: null,
  contactPhone: null,
  address: null,
  townVillage: null,
  healthWorkerId: null,
  syncCursor: null,
  syncDeleted: null,
  syncState: null,
  syncDigest: null,
  ...columns,
});

const trigger = (event: string, row: unknown) =>
  execute(
    changesTriggerEntry(async () => fixture.host),
    {
      method: 'POST',
      trigger: 'event',
      event,
      key: fixture.double.apiKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(row),
    },
  );

const event = (rowId: string, action: string, table = 'patients') =>
  `databases.${DEFAULT_DATABASE_ID}.tables.${table}.rows.${rowId}.${action}`;

const opsOf = async (docId: string): Promise<readonly LoggedOp[]> => {
  const ops = await fixture.host.log.documentOps(systemPrincipal('t', 'admin'), 'patients', docId);
  return E.isRight(ops) ? ops.right : [];
};

describe.each(HOST_LOGS)('with the log on %s', (where) => {
  beforeEach(async () => {
    fixture = await startAppwriteFixture(where);
  });

  afterEach(async () => {
    await fixture.close();
  });

  describe('the changes trigger', () => {
    it('turns a row created in the console into a create of device server.appwrite, as the system', async () => {
      const execution = await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      expect(execution.statusCode).toBe(200);
      const [op] = await opsOf('p-9');
      expect(op).toMatchObject({
        deviceId: 'server.appwrite',
        seq: 1,
        kind: 'create',
        data: PATIENT,
        author: { userId: 'appwrite', role: 'system' },
      });
    });

    it('reads the collection-style event name that Appwrite 1.8 reports for createRow', async () => {
      await trigger(
        `databases.${DEFAULT_DATABASE_ID}.collections.patients.documents.p-9.create`,
        rowOf('patients', 'p-9', PATIENT),
      );
      expect((await opsOf('p-9')).map((op) => op.kind)).toEqual(['create']);
    });

    it('turns a console edit into an update of the changed fields only', async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      await trigger(
        event('p-9', 'update'),
        rowOf('patients', 'p-9', { ...PATIENT, fullName: 'Amina O. Okello' }),
      );
      const ops = await opsOf('p-9');
      expect(ops[1]).toMatchObject({
        seq: 2,
        kind: 'update',
        data: { fullName: 'Amina O. Okello' },
      });
      expect(Object.keys(ops[1]?.kind === 'update' ? ops[1].data : {})).toEqual(['fullName']);
    });

    it("ignores the projector's own write, whose columns still have the digest it wrote", async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      const head = await fixture.host.log.head();
      const projected = {
        ...PATIENT,
        fullName: 'Projected Name',
        syncCursor: head,
        syncDeleted: false,
        syncDigest: projectorDigest({ ...PATIENT, fullName: 'Projected Name' }, false),
      };
      const execution = await trigger(event('p-9', 'update'), rowOf('patients', 'p-9', projected));
      expect(field(jsonOfExecution(execution), 'ignored')).toBe("the projector's own write");
      expect(await fixture.host.log.head()).toBe(head);
    });

    it('captures a console edit of a row the projector wrote, whose digest no longer matches', async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      const marked = {
        ...PATIENT,
        syncCursor: await fixture.host.log.head(),
        syncDeleted: false,
        syncDigest: projectorDigest(PATIENT, false),
      };
      await trigger(
        event('p-9', 'update'),
        rowOf('patients', 'p-9', { ...marked, townVillage: 'Gulu' }),
      );
      expect((await opsOf('p-9'))[1]).toMatchObject({
        kind: 'update',
        data: { townVillage: 'Gulu' },
      });
    });

    it('turns a deleted row into a delete, and a syncDeleted flip back into a restore', async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      await trigger(event('p-9', 'delete'), rowOf('patients', 'p-9', PATIENT));
      await trigger(
        event('p-9', 'update'),
        rowOf('patients', 'p-9', { ...PATIENT, syncDeleted: false }),
      );
      expect((await opsOf('p-9')).map((op) => op.kind)).toEqual(['create', 'delete', 'restore']);
    });

    it('keeps the document when its row is really deleted in the console: a delete, and a tombstone row', async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      const tablesDb = fixture.double.tablesDb();
      const address = { databaseId: DEFAULT_DATABASE_ID, tableId: 'patients', rowId: 'p-9' };
      const written = await tablesDb.getRow(address);
      await tablesDb.deleteRow(address);
      const execution = await trigger(event('p-9', 'delete'), written);
      expect(field(field(jsonOfExecution(execution), 'result'), 'status')).toBe('accepted');
      expect((await opsOf('p-9')).map((op) => op.kind)).toEqual(['create', 'delete']);
      const tombstone = await tablesDb.getRow(address);
      expect(tombstone).toMatchObject({ fullName: 'Amina Okello', syncDeleted: true });
      const report = await fixture.host.log.verify();
      expect(report.ok).toBe(true);
    });

    it('appends nothing for an edit that changes no field', async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      const head = await fixture.host.log.head();
      const execution = await trigger(event('p-9', 'update'), rowOf('patients', 'p-9', PATIENT));
      expect(field(jsonOfExecution(execution), 'ignored')).toBe('the edit changes no field');
      expect(await fixture.host.log.head()).toBe(head);
    });

    it('keeps an invalid edit in the quarantine with its reason', async () => {
      const execution = await trigger(
        event('p-9', 'create'),
        rowOf('patients', 'p-9', { ...PATIENT, dateOfBirth: '2024-02-30' }),
      );
      expect(field(field(jsonOfExecution(execution), 'result'), 'status')).toBe('rejected');
      const quarantined = await fixture.host.log.quarantine('server.appwrite');
      expect(quarantined[0]?.error.path).toBe('data.dateOfBirth');
    });

    it('pokes the facility of the captured edit through its sync heads row', async () => {
      await trigger(event('p-9', 'create'), rowOf('patients', 'p-9', PATIENT));
      const row = await fixture.double.tablesDb().getRow({
        databaseId: DEFAULT_DATABASE_ID,
        tableId: SYNC_HEADS_TABLE.id,
        rowId: 'fac-north',
      });
      expect(row.head).toBe(await fixture.host.log.head());
    });

    it('ignores rows of tables that are not synced collections', async () => {
      const execution = await trigger(
        event('hw-north', 'update', 'users'),
        rowOf('users', 'hw-north', {}),
      );
      expect(field(jsonOfExecution(execution), 'ignored')).toBe(
        'table users is not a synced collection',
      );
    });

    it('refuses an execution that no event triggered with 403 forbidden', async () => {
      const execution = await execute(
        changesTriggerEntry(async () => fixture.host),
        { method: 'POST', url: '/', body: '{}' },
      );
      expect(execution.statusCode).toBe(403);
    });
  });
});
