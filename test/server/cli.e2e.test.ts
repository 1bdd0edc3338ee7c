/**
 * The command line on a database that a real server filled (devices, conflicts): `status`,
 * `conflicts`, `history`, `resolve`, `verify`, `replay`, as tables for people and `--json` for
 * machines; `backup` and `new-epoch`, with a server on the restored copy; and the
 * `bin/immune-sync.js` shim.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../../src/log/hash-chain.ts';
import { identityOf } from '../../src/log/log-identity.ts';
import { type OpRow, readOpRow } from '../../src/log/op-rows.ts';
import { makeConflicts } from '../functions/conflict-scenario.ts';
import { patientBatch, patientCreate, pushBody } from '../functions/sync-fixtures.ts';
import { jsonOutput, runCli } from './cli-process.ts';
import { clientOf, prop } from './http-client.ts';
import { makeWorkspace, startServer, type Workspace } from './server-process.ts';

let workspace: Workspace;
let ids: Awaited<ReturnType<typeof makeConflicts>>;

beforeAll(async () => {
  workspace = await makeWorkspace();
  const server = await startServer({
    args: ['--db', workspace.db, '--principals', workspace.principals],
  });
  try {
    ids = await makeConflicts(clientOf(server.url).json, 'cli');
  } finally {
    await server.stop();
  }
});

afterAll(async () => {
  await workspace?.remove();
});

const db = () => ['--db', workspace.db];

/**
 * What someone who can write the database could do: change the name in a device's first patient
 * create, link that device's chain again from there, and set its recorded head.
 */
const forgeFirstPatientName = (file: string): void => {
  const sqlite = new Database(file);
  try {
    const first = sqlite
      .prepare(
        "select device_id, seq, body from ops where collection = 'patients' and device_id not like 'server.%' order by position limit 1",
      )
      .get() as { device_id: string; seq: number; body: string };
    const body = first.body.replace(/"fullName":"[^"]*"/, '"fullName":"Forged Name"');
    expect(body).not.toBe(first.body);
    sqlite
      .prepare('update ops set body = ? where device_id = ? and seq = ?')
      .run(body, first.device_id, first.seq);
    const rows = sqlite
      .prepare('select * from ops where device_id = ? order by seq')
      .all(first.device_id) as OpRow[];
    // The cursor a decoded op carries needs an identity; the chain does not hash it.
    const identity = identityOf('forger', '00');
    let link = GENESIS_HASH;
    for (const row of rows) {
      link = chainHash(link, readOpRow(identity, row));
      sqlite.prepare('update ops set hash = ? where position = ?').run(link, row.position);
    }
    sqlite
      .prepare('update devices set chain_hash = ? where device_id = ?')
      .run(link, first.device_id);
  } finally {
    sqlite.close();
  }
};

describe('the command line', () => {
  it('reads the database: status, conflicts and history, as JSON and as tables', async () => {
    const [status, conflicts, history, table, unknown] = await Promise.all([
      runCli(['status', ...db(), '--json']),
      runCli(['conflicts', ...db(), '--json']),
      runCli(['history', 'patients', ids.patients[0] ?? '', ...db(), '--json']),
      runCli(['status', ...db()]),
      runCli(['history', 'no_such_collection', 'x', ...db()]),
    ]);
    const devices = prop(jsonOutput(status), 'devices');
    expect(Array.isArray(devices) && devices.map((d) => prop(d, 'deviceId')).sort()).toEqual(
      ids.devices,
    );
    const listed = prop(jsonOutput(conflicts), 'conflicts');
    expect(Array.isArray(listed) && listed.map((c) => prop(c, 'id'))).toEqual([ids.toResolve]);
    const timeline = prop(jsonOutput(history), 'timeline');
    expect(Array.isArray(timeline) && timeline.length).toBe(3);
    expect(prop(prop(jsonOutput(history), 'doc'), 'disputed')).toEqual(['fullName']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('acked seq');
    expect(table.stdout).toContain(ids.devices[0]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown collection');

    // The table form of a history says who wrote what, when on the device and at the server.
    const shown = await runCli(['history', 'patients', ids.patients[0] ?? '', ...db()]);
    expect(shown.code).toBe(0);
    for (const column of ['author', 'device time', 'received', 'wrote', 'lost']) {
      expect(shown.stdout).toContain(column);
    }
    expect(shown.stdout).toMatch(/fullName="[^"]+"/);
  });

  it('resolves a conflict once, replays the log, and verifies it', async () => {
    // With a principals file, the user recorded must be an auditor or an admin in it.
    const resolveAs = (user: string) =>
      runCli([
        'resolve',
        ids.toResolve,
        '--set',
        'fullName=Not Allowed',
        ...db(),
        '--principals',
        workspace.principals,
        '--user',
        user,
      ]);
    const [unknownUser, worker] = await Promise.all([
      resolveAs('auditor-cli'),
      resolveAs('hw-north'),
    ]);
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain(
      'forbidden: --user auditor-cli is not in the principals file',
    );
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('is health_worker in the principals file');

    const resolved = await runCli([
      'resolve',
      ids.toResolve,
      '--set',
      'fullName=Amina Resolved',
      ...db(),
      '--json',
      '--user',
      'auditor-cli',
    ]);
    expect(resolved.code).toBe(0);
    const conflict = prop(jsonOutput(resolved), 'conflict');
    expect(prop(conflict, 'status')).toBe('resolved');
    expect(prop(prop(conflict, 'resolvedBy'), 'userId')).toBe('auditor-cli');

    const [again, replayed] = await Promise.all([
      runCli(['resolve', ids.toResolve, '--set', 'fullName=Again', ...db()]),
      runCli(['replay', ...db(), '--json']),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already_resolved');
    expect(replayed.code).toBe(0);
    expect(Number(prop(jsonOutput(replayed), 'documents'))).toBeGreaterThanOrEqual(14);

    const verified = await runCli(['verify', ...db()]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('ok: the log and the projections agree');
  });

  it('lists the rejected ops with their reason and the data they carried', async () => {
    const server = await startServer({
      args: ['--db', workspace.db, '--principals', workspace.principals],
    });
    try {
      // A health worker of fac-north registering a patient in fac-south: forbidden.
      const pushed = await clientOf(server.url).post('/v1/push', {
        as: 'hwNorth',
        body: pushBody('tab-rej', patientBatch('tab-rej', 1, 1, 'fac-south')),
      });
      expect(pushed.status).toBe(200);
      // A device clock far past any date: accepted (flagged skewed), and the history shows it.
      const skewed = {
        ...patientCreate('tab-far', 1, 'far-p1', 'fac-north'),
        hlc: { ms: 9e15, n: 0 },
      };
      const far = await clientOf(server.url).post('/v1/push', {
        as: 'hwNorth',
        body: pushBody('tab-far', [skewed]),
      });
      expect(far.status).toBe(200);
    } finally {
      await server.stop();
    }
    const [json, shown, none] = await Promise.all([
      runCli(['rejected', ...db(), '--device', 'tab-rej', '--json']),
      runCli(['rejected', ...db()]),
      runCli(['rejected', ...db(), '--device', 'no-such-device']),
    ]);
    const rejected = prop(jsonOutput(json), 'rejected');
    expect(rejected).toEqual([
      expect.objectContaining({
        deviceId: 'tab-rej',
        seq: 1,
        userId: 'hw-north',
        error: expect.objectContaining({ code: 'forbidden', path: 'data.facilityId' }),
        raw: expect.objectContaining({
          data: expect.objectContaining({ facilityId: 'fac-south' }),
        }),
      }),
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('tab-rej:1');
    expect(shown.stdout).toContain('fac-south');
    expect(none.stdout).toContain('0 rejected');

    const history = await runCli(['history', 'patients', 'far-p1', ...db()]);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('9000000000000000 ms');
    expect(history.stdout).toContain('skewed');
  });

  it('backs up a serving log; a server on the copy, or after new-epoch, refuses older cursors', async () => {
    const copy = join(workspace.dir, 'backup.db');
    const server = await startServer({
      args: ['--db', workspace.db, '--principals', workspace.principals],
    });
    let cursor: string;
    try {
      const head = await clientOf(server.url).get('/v1/pull?limit=5000', { as: 'admin' });
      cursor = String(prop(await head.json(), 'next'));
      const backup = await runCli(['backup', ...db(), '--to', copy]);
      expect(backup.code).toBe(0);
      expect(backup.stdout).toContain(`backed up ${workspace.db} to ${copy}`);
      expect((await runCli(['backup', ...db(), '--to', copy])).stderr).toContain('exists already');
    } finally {
      await server.stop();
    }
    // A device that pulled from the original bootstraps again from the restored copy.
    const pullFrom = async (file: string) => {
      const restored = await startServer({
        args: ['--db', file, '--principals', workspace.principals],
      });
      try {
        const client = clientOf(restored.url);
        const old = await client.get(`/v1/pull?after=${encodeURIComponent(cursor)}`, {
          as: 'admin',
        });
        const fresh = await client.get('/v1/pull?limit=5000', { as: 'admin' });
        return { old: old.status, fresh: fresh.status };
      } finally {
        await restored.stop();
      }
    };
    expect(await pullFrom(copy)).toEqual({ old: 409, fresh: 200 });
    const renewed = await runCli(['new-epoch', ...db()]);
    expect(renewed.code).toBe(0);
    expect(renewed.stdout).toContain("the log's epoch is now");
    expect(await pullFrom(workspace.db)).toEqual({ old: 409, fresh: 200 });
  });

  it('records chain heads, and finds against them a history changed and linked again', async () => {
    const copy = join(workspace.dir, 'forged.db');
    const heads = join(workspace.dir, 'heads.json');
    expect((await runCli(['backup', ...db(), '--to', copy])).code).toBe(0);
    const recorded = await runCli(['verify', '--db', copy, '--record-heads', heads]);
    expect(recorded.code).toBe(0);
    expect(recorded.stdout).toMatch(/recorded \d+ chain heads and the log up to position \d+ in /);
    const file: unknown = JSON.parse(await readFile(heads, 'utf8'));
    expect(prop(file, 'format')).toBe('immune-sync chain heads');
    const listed = prop(file, 'heads');
    expect(Array.isArray(listed) && listed.length).toBeGreaterThan(1);
    expect(prop(prop(file, 'log'), 'digest')).toMatch(/^[0-9a-f]{64}$/);

    // A kept file is never overwritten, unless it is the one this run checks against; a place
    // that cannot hold the file is refused before the run.
    const again = await runCli(['verify', '--db', copy, '--record-heads', heads]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    const rolled = await runCli([
      'verify',
      '--db',
      copy,
      '--heads',
      heads,
      '--record-heads',
      heads,
    ]);
    expect(rolled.code).toBe(0);
    const nowhere = await runCli([
      'verify',
      '--db',
      copy,
      '--record-heads',
      join(workspace.dir, 'no-such-dir', 'heads.json'),
    ]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('is not a directory');
    expect(nowhere.stdout).toBe('');

    forgeFirstPatientName(copy);
    expect((await runCli(['replay', '--db', copy])).code).toBe(0);
    const plain = await runCli(['verify', '--db', copy]);
    expect(plain.code).toBe(0);
    const checked = await runCli(['verify', '--db', copy, '--heads', heads]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain("is not the recorded head of the device's hash chain");
    expect(checked.stdout).toContain('differs from its recorded digest');
    expect(checked.stdout).toMatch(
      /checked against \d+ chain heads and the log up to position \d+, recorded at /,
    );
    const refused = await runCli([
      'verify',
      '--db',
      copy,
      '--heads',
      heads,
      '--record-heads',
      join(workspace.dir, 'not-written.json'),
    ]);
    expect(refused.stderr).toContain('no chain heads recorded');
    await expect(readFile(join(workspace.dir, 'not-written.json'))).rejects.toThrow();

    const headsFile = (heads: readonly unknown[], recordedAt = '2026-12-04T10:00:00.000Z') =>
      JSON.stringify({
        format: 'immune-sync chain heads',
        version: 1,
        recordedAt,
        heads,
        log: { position: 1, digest: 'a'.repeat(64) },
      });
    const head = { deviceId: 'tab-1', seq: 1, hash: 'b'.repeat(64) };
    const cases = [
      [headsFile([{ ...head, hash: 'not a digest' }]), 'at heads.0.hash'],
      [headsFile([head, { ...head, seq: 2 }]), 'a device named twice at heads.1.deviceId'],
      [headsFile([head], 'today'), 'at recordedAt'],
      ['{', 'is not JSON'],
    ] as const;
    for (const [i, [text, expected]] of cases.entries()) {
      const bad = join(workspace.dir, `bad-heads-${i}.json`);
      await writeFile(bad, text);
      const unread = await runCli(['verify', '--db', copy, '--heads', bad]);
      expect(unread.code).toBe(1);
      expect(unread.stderr).toContain(`invalid: the heads file ${bad}`);
      expect(unread.stderr).toContain(expected);
      expect(unread.stderr).not.toContain('(at ');
    }
  });

  it('the bin shim runs the command line through tsx', async () => {
    const help = await runCli(['--help'], ['bin/immune-sync.js']);
    expect(help.code).toBe(0);
    for (const command of [
      'serve',
      'history',
      'conflicts',
      'resolve',
      'status',
      'verify',
      'replay',
    ]) {
      expect(help.stdout).toContain(command);
    }
  });
});
