/**
 * A device killed with SIGKILL (a child process running `replica-child.ts` on a file) between a
 * mutation and its push, and during a push (before the server got it, and after the server
 * logged it but before the device heard back), reopened: nothing is lost, nothing is logged
 * twice, and its view equals the server's projection.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replica } from '../../src/client/replica.ts';
import {
  makeWorkspace,
  REPO_ROOT,
  type ServerProcess,
  type Workspace,
} from '../server/server-process.ts';
import {
  deviceDotsOnServer,
  httpReplica,
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

/** A device process on `db`, with its output as lines. */
class Device {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  #waiters: (() => void)[] = [];

  constructor(db: string, deviceId: string) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/client/replica-child.ts', db, deviceId, server.url, 'hwNorth'],
      { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let partial = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      this.lines.push(...complete);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => this.lines.push(`stderr: ${chunk}`));
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  /** Waits for `count` lines matching `pattern` in all the output so far. */
  async waitFor(pattern: RegExp, count = 1, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.filter((l) => pattern.test(l));
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`no ${count} × ${pattern} in:\n${this.lines.join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** SIGKILL, and wait for the process to be gone. */
  async kill(): Promise<void> {
    const gone = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await gone;
  }
}

/** The doc ids the child reported created. */
const createdIds = (lines: readonly string[]): string[] =>
  lines.flatMap((l) => {
    const match = /^created (\S+) (\d+)$/.exec(l);
    return match?.[1] === undefined ? [] : [match[1]];
  });

/** Reopens the device's file in this process, syncs, and checks it against the server. */
const reopenAndCheck = async (db: string, deviceId: string, created: readonly string[]) => {
  const replica: Replica = await httpReplica(server.url, 'hwNorth', deviceId, { path: db });
  try {
    for (const docId of created) {
      expect(await replica.patients.get(docId), `${docId} after the kill`).toBeDefined();
    }
    await syncOk(replica);
    expect((await replica.status()).pending).toBe(0);
    const dots = await deviceDotsOnServer(server.url, deviceId);
    expect(new Set(dots).size).toBe(dots.length);
    const projection = await serverProjection(server.url);
    for (const docId of created) {
      expect(projection.get(`patients/${docId}`)?.deleted, `${docId} on the server`).toBe(false);
    }
    for (const doc of await replica.patients.list()) {
      const onServer = projection.get(`patients/${doc.docId}`);
      expect(await shownBy(replica, 'patients', doc.docId)).toEqual({
        data: onServer?.data,
        deleted: onServer?.deleted,
      });
    }
    return { replica, dots };
  } finally {
    await replica.close();
  }
};

describe('a device killed with SIGKILL', () => {
  it('between a mutation and its push loses nothing once reopened', async () => {
    const db = join(workspace.dir, 'kill-before-push.db');
    const device = new Device(db, 'kill-before-push');
    device.send('create Amina');
    const created = createdIds(await device.waitFor(/^created /));
    await device.kill();
    const { dots } = await reopenAndCheck(db, 'kill-before-push', created);
    expect(dots).toEqual(['kill-before-push:1']);
  });

  it('while its push has not reached the server sends it once reopened, once', async () => {
    const db = join(workspace.dir, 'kill-push-held.db');
    const device = new Device(db, 'kill-push-held');
    device.send('create-many 3');
    await device.waitFor(/^created /, 3);
    device.send('hold-push-before');
    device.send('sync');
    await device.waitFor(/^push-held$/);
    await device.kill();
    const { dots } = await reopenAndCheck(db, 'kill-push-held', createdIds(device.lines));
    expect(dots).toEqual(['kill-push-held:1', 'kill-push-held:2', 'kill-push-held:3']);
  });

  it('after the server logged its push but before it heard back duplicates nothing', async () => {
    const db = join(workspace.dir, 'kill-push-answered.db');
    const device = new Device(db, 'kill-push-answered');
    device.send('create-many 3');
    await device.waitFor(/^created /, 3);
    device.send('hold-push-after');
    device.send('sync');
    await device.waitFor(/^push-answered$/);
    await device.kill();
    expect(await deviceDotsOnServer(server.url, 'kill-push-answered')).toHaveLength(3);
    const { dots } = await reopenAndCheck(db, 'kill-push-answered', createdIds(device.lines));
    expect(dots).toEqual(['kill-push-answered:1', 'kill-push-answered:2', 'kill-push-answered:3']);
  });

  it('in the middle of a run of mutations keeps every one that returned, with contiguous seqs', async () => {
    const db = join(workspace.dir, 'kill-mid-run.db');
    const device = new Device(db, 'kill-mid-run');
    device.send('create-many 400');
    await device.waitFor(/^created /, 40);
    await device.kill();
    const created = createdIds(device.lines);
    const { dots } = await reopenAndCheck(db, 'kill-mid-run', created);
    expect(dots.length).toBeGreaterThanOrEqual(created.length);
    expect(dots).toEqual(dots.map((_, i) => `kill-mid-run:${i + 1}`));
  });
});
