/**
 * Against the real server process: an op the server rejects reaches the app's event with its
 * reason and leaves the view; a server restored from a backup (its log is behind the replica's
 * cursor: `reset_required`) gets the device's lost ops again, and the replica re-bootstraps
 * with its pending ops kept; restored from a copy that `immune-sync backup` made, it refuses
 * the replica's cursor even once new ops have taken the lost positions, so the replica reads
 * those ops instead of skipping them.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSqliteLog } from '../../src/adapters/sqlite/sqlite-backup.ts';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import { TOKENS } from '../functions/sync-fixtures.ts';
import { makeWorkspace, type ServerProcess, type Workspace } from '../server/server-process.ts';
import { patientData, rightOf } from './client-fixtures.ts';
import {
  deviceDotsOnServer,
  httpReplica,
  portOf,
  serverProjection,
  serveWorkspace,
  shownBy,
  syncOk,
} from './e2e-fixtures.ts';

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

const SUFFIXES = ['', '-wal', '-shm'];

/** Copies the database files (the server must be stopped). */
const copyDatabase = (from: string, to: string): void => {
  for (const suffix of SUFFIXES) {
    rmSync(`${to}${suffix}`, { force: true });
    if (existsSync(`${from}${suffix}`)) copyFileSync(`${from}${suffix}`, `${to}${suffix}`);
  }
};

/** A fetch that notes each answer's status and path, in order. */
const spyingFetch = (): { readonly seen: string[]; readonly spying: typeof fetch } => {
  const seen: string[] = [];
  const spying: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    seen.push(`${response.status} ${new URL(String(input)).pathname}`);
    return response;
  };
  return { seen, spying };
};

describe('against the real server', () => {
  it('a rejected op reaches the app with its reason and leaves the view', async () => {
    const replica = await httpReplica(server.url, 'hwNorth', 'rej-tablet');
    try {
      await syncOk(replica);
      const events: string[] = [];
      replica.on('rejected', ({ op, error }) =>
        events.push(`${op.seq}:${error.code}:${error.path}`),
      );
      const kept = rightOf(await replica.patients.create(patientData('Here')));
      const refused = rightOf(await replica.patients.create(patientData('Elsewhere', 'fac-south')));
      expect(await replica.patients.get(refused.docId)).toMatchObject({ pending: true });
      await syncOk(replica);
      expect(events).toEqual(['2:forbidden:data.facilityId']);
      expect(await replica.patients.get(refused.docId)).toBeUndefined();
      expect(await replica.patients.get(kept.docId)).toMatchObject({ pending: false });
      expect(await deviceDotsOnServer(server.url, 'rej-tablet')).toEqual(['rej-tablet:1']);
      expect((await replica.status()).pending).toBe(0);
    } finally {
      await replica.close();
    }
  });

  it('a server restored from a backup gets the lost ops again, and the replica re-bootstraps keeping its pending ops', async () => {
    const port = portOf(server);
    const { seen, spying } = spyingFetch();
    const replica = await httpReplica(server.url, 'hwNorth', 'reset-tablet', {
      path: join(workspace.dir, 'reset-tablet.db'),
      transport: httpTransport({ baseUrl: server.url, token: TOKENS.hwNorth, fetch: spying }),
    });
    const other = await httpReplica(server.url, 'hwNorth2', 'reset-other');
    try {
      await syncOk(replica);
      await syncOk(other);
      const first = rightOf(await replica.patients.create(patientData('Before the backup')));
      await syncOk(replica);

      await server.stop();
      copyDatabase(workspace.db, join(workspace.dir, 'backup.db'));
      server = await serveWorkspace(workspace, port);

      const second = rightOf(await replica.patients.create(patientData('After the backup')));
      await syncOk(replica);
      for (let i = 0; i < 5; i++) rightOf(await other.patients.create(patientData(`Lost ${i}`)));
      await syncOk(other);
      await syncOk(replica);
      const lost = (await other.patients.list()).filter((d) => d.data.fullName.startsWith('Lost'));
      expect(lost).toHaveLength(5);
      const third = rightOf(await replica.patients.create(patientData('Pending at the restore')));

      await server.stop();
      copyDatabase(join(workspace.dir, 'backup.db'), workspace.db);
      server = await serveWorkspace(workspace, port);

      seen.length = 0;
      await syncOk(replica);
      // The pending op 3 meets a gap (the server expects 2), ops 2 and 3 go again, the cursor
      // is beyond the restored log's head, and the snapshot (which holds op 3) replaces it.
      expect(seen).toEqual([
        '200 /v1/push',
        '200 /v1/push',
        '409 /v1/pull',
        '200 /v1/snapshot',
        '200 /v1/pull',
      ]);
      expect(await deviceDotsOnServer(server.url, 'reset-tablet')).toEqual([
        'reset-tablet:1',
        'reset-tablet:2',
        'reset-tablet:3',
      ]);
      const projection = await serverProjection(server.url);
      for (const { docId } of [first, second, third]) {
        const onServer = projection.get(`patients/${docId}`);
        expect(onServer?.deleted).toBe(false);
        expect(await shownBy(replica, 'patients', docId)).toEqual({
          data: onServer?.data,
          deleted: false,
        });
      }
      for (const doc of lost) {
        expect(projection.has(`patients/${doc.docId}`)).toBe(false);
        expect(await replica.patients.get(doc.docId)).toBeUndefined();
      }
      expect((await replica.status()).pending).toBe(0);
    } finally {
      await replica.close();
      await other.close();
    }
  });

  it('restored from a backup copy, the server refuses the replica’s cursor even after new ops took the lost positions', async () => {
    const port = portOf(server);
    const { seen, spying } = spyingFetch();
    const replica = await httpReplica(server.url, 'hwNorth', 'epoch-tablet', {
      path: join(workspace.dir, 'epoch-tablet.db'),
      transport: httpTransport({ baseUrl: server.url, token: TOKENS.hwNorth, fetch: spying }),
    });
    const other = await httpReplica(server.url, 'hwNorth2', 'epoch-other');
    const backup = join(workspace.dir, 'epoch-backup.db');
    try {
      await syncOk(replica);
      const before = rightOf(await replica.patients.create(patientData('Before the copy')));
      await syncOk(replica);
      // The copy is taken while the server serves.
      await backupSqliteLog(workspace.db, backup);
      const after = rightOf(await replica.patients.create(patientData('After the copy')));
      await syncOk(replica);
      for (let i = 0; i < 3; i++) rightOf(await other.patients.create(patientData(`Lost ${i}`)));
      await syncOk(other);
      await syncOk(replica);

      await server.stop();
      copyDatabase(backup, workspace.db);
      server = await serveWorkspace(workspace, port);
      // Before the replica is back, new ops take the positions the restore lost.
      const newcomer = await httpReplica(server.url, 'hwNorth2', 'epoch-newcomer');
      const fresh: string[] = [];
      try {
        for (let i = 0; i < 5; i++) {
          fresh.push(rightOf(await newcomer.patients.create(patientData(`New ${i}`))).docId);
        }
        await syncOk(newcomer);
      } finally {
        await newcomer.close();
      }

      seen.length = 0;
      await syncOk(replica);
      // Its op 2 was lost: a gap, sent again; its cursor is of the old epoch: a new bootstrap.
      expect(seen).toContain('409 /v1/pull');
      expect(seen).toContain('200 /v1/snapshot');
      for (const docId of fresh) {
        expect(await replica.patients.get(docId)).toMatchObject({ pending: false });
      }
      expect(await deviceDotsOnServer(server.url, 'epoch-tablet')).toEqual([
        'epoch-tablet:1',
        'epoch-tablet:2',
      ]);
      const projection = await serverProjection(server.url);
      for (const { docId } of [before, after]) {
        expect(await shownBy(replica, 'patients', docId)).toEqual({
          data: projection.get(`patients/${docId}`)?.data,
          deleted: false,
        });
      }
      expect((await replica.status()).pending).toBe(0);
    } finally {
      await replica.close();
      await other.close();
    }
  });
});
