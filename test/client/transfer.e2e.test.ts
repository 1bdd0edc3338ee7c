/**
 * A patient transferred between facilities, seen by real replicas through the real server
 * (PROTOCOL.md, Scope): the new facility's device receives the patient's whole history at the
 * transfer and shows it as the server projects it; the old facility's device keeps the patient
 * as of the transfer, has its later edits rejected `forbidden`, and receives everything again
 * when the patient is transferred back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replica } from '../../src/client/replica.ts';
import type { CollectionName } from '../../src/domain/collection.ts';
import { makeWorkspace, type ServerProcess, type Workspace } from '../server/server-process.ts';
import { patientData, recordData, rightOf } from './client-fixtures.ts';
import { httpReplica, serverProjection, serveWorkspace, shownBy, syncOk } from './e2e-fixtures.ts';

let workspace: Workspace;
let server: ServerProcess;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await serveWorkspace(workspace);
});

afterAll(async () => {
  await server?.stop();
  await workspace?.remove();
});

/** Expects the replica to show each document exactly as the server projects it. */
const expectAsServer = async (
  replica: Replica,
  docs: readonly (readonly [CollectionName, string])[],
): Promise<void> => {
  const projection = await serverProjection(server.url);
  for (const [collection, docId] of docs) {
    const onServer = projection.get(`${collection}/${docId}`);
    expect(onServer, `${collection}/${docId} on the server`).toBeDefined();
    expect(await shownBy(replica, collection, docId)).toEqual({
      data: onServer?.data,
      deleted: onServer?.deleted,
    });
  }
};

describe('a patient transferred between facilities, against the real server', () => {
  it('moves with its history to the new facility, freezes at the old one, and comes back whole', async () => {
    const north = await httpReplica(server.url, 'hwNorth', 'transfer-north');
    const south = await httpReplica(server.url, 'hwSouth', 'transfer-south');
    const supervisor = await httpReplica(server.url, 'supervisor', 'transfer-supervisor');
    try {
      for (const replica of [north, south, supervisor]) await syncOk(replica);

      const patient = rightOf(await north.patients.create(patientData('Moving Child'))).docId;
      const doses = [
        rightOf(await north.immunizationRecords.create(recordData(patient, 1))).docId,
        rightOf(await north.immunizationRecords.create(recordData(patient, 2))).docId,
      ];
      rightOf(await north.patients.update(patient, { townVillage: 'Kamuli' }));
      await syncOk(north);
      await syncOk(south);
      expect(await south.patients.get(patient)).toBeUndefined();

      // The supervisor of both facilities moves the patient to fac-south.
      await syncOk(supervisor);
      rightOf(await supervisor.patients.update(patient, { facilityId: 'fac-south' }));
      await syncOk(supervisor);

      // fac-south's device gets the whole history at the transfer.
      await syncOk(south);
      const moved: (readonly [CollectionName, string])[] = [
        ['patients', patient],
        ...doses.map((id) => ['immunization_records', id] as const),
      ];
      await expectAsServer(south, moved);
      expect(await south.patients.get(patient)).toMatchObject({
        data: { facilityId: 'fac-south', townVillage: 'Kamuli' },
        pending: false,
      });
      expect(await south.immunizationRecords.list({ where: { patientId: patient } })).toHaveLength(
        2,
      );

      // fac-north's device sees the transfer itself, and may no longer write the patient.
      await syncOk(north);
      const frozen = await shownBy(north, 'patients', patient);
      expect(frozen).toMatchObject({ data: { facilityId: 'fac-south' } });
      const rejected: string[] = [];
      north.on('rejected', ({ op, error }) => rejected.push(`${op.docId}:${error.code}`));
      rightOf(await north.patients.update(patient, { townVillage: 'Jinja' }));
      await syncOk(north);
      expect(rejected).toEqual([`${patient}:forbidden`]);
      expect(await shownBy(north, 'patients', patient)).toEqual(frozen);

      // fac-south works on the patient; fac-north does not see it.
      rightOf(await south.patients.update(patient, { townVillage: 'Mbale' }));
      const third = rightOf(
        await south.immunizationRecords.create(recordData(patient, 3, 'fac-south')),
      );
      await syncOk(south);
      await syncOk(north);
      expect(await shownBy(north, 'patients', patient)).toEqual(frozen);
      expect(await north.immunizationRecords.get(third.docId)).toBeUndefined();

      // Moved back: fac-north's device gets everything since, and agrees with the server.
      await syncOk(supervisor);
      rightOf(await supervisor.patients.update(patient, { facilityId: 'fac-north' }));
      await syncOk(supervisor);
      await syncOk(north);
      await expectAsServer(north, [...moved, ['immunization_records', third.docId]]);
      expect(await north.patients.get(patient)).toMatchObject({
        data: { facilityId: 'fac-north', townVillage: 'Mbale' },
      });
      expect((await north.status()).pending).toBe(0);
    } finally {
      for (const replica of [north, south, supervisor]) await replica.close();
    }
  });
});
