/**
 * Helpers for the client's end-to-end tests: the real server process (the server engineer's
 * `startServer`), replicas speaking HTTP to it, and the server's own view of the log and of
 * the projection, read as the admin.
 */
import { expect } from 'vitest';
import { createReplica, type Replica, type ReplicaOptions } from '../../src/client/replica.ts';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import type { SnapshotAnswer, SnapshotDoc } from '../../src/client/transports/wire-answers.ts';
import type { CollectionName } from '../../src/domain/collection.ts';
import { type TestUser, TOKENS } from '../functions/sync-fixtures.ts';
import { type ServerProcess, startServer, type Workspace } from '../server/server-process.ts';
import { PRINCIPALS, rightOf } from './client-fixtures.ts';

/** The server on the workspace's database (on `port`, when it must come back where it was). */
export const serveWorkspace = (workspace: Workspace, port?: number): Promise<ServerProcess> =>
  startServer({
    args: [
      '--db',
      workspace.db,
      '--principals',
      workspace.principals,
      ...(port === undefined ? [] : ['--port', String(port)]),
    ],
  });

/** The port a server listens on. */
export const portOf = (server: ServerProcess): number => Number(new URL(server.url).port);

/** A replica of `user` speaking HTTP to `url`. */
export const httpReplica = (
  url: string,
  user: TestUser,
  deviceId: string,
  options: Partial<ReplicaOptions> = {},
): Promise<Replica> =>
  createReplica({
    deviceId,
    principal: PRINCIPALS[user],
    transport: httpTransport({ baseUrl: url, token: TOKENS[user], timeoutMs: 10_000 }),
    backoff: { baseMs: 50, maxMs: 500 },
    ...options,
  });

/** Every logged op the admin reads, from the start of the log, as `deviceId:seq`. */
export const serverDots = async (url: string): Promise<string[]> => {
  const dots: string[] = [];
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '5000', ...(after === undefined ? {} : { after }) });
    const response = await fetch(`${url}/v1/pull?${query}`, {
      headers: { authorization: `Bearer ${TOKENS.admin}` },
    });
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    const ops = typeof body === 'object' && body !== null ? Reflect.get(body, 'ops') : undefined;
    const next = typeof body === 'object' && body !== null ? Reflect.get(body, 'next') : undefined;
    const hasMore =
      typeof body === 'object' && body !== null ? Reflect.get(body, 'hasMore') : false;
    for (const op of Array.isArray(ops) ? ops : []) {
      const deviceId = typeof op === 'object' && op !== null ? Reflect.get(op, 'deviceId') : '';
      const seq = typeof op === 'object' && op !== null ? Reflect.get(op, 'seq') : 0;
      dots.push(`${String(deviceId)}:${String(seq)}`);
    }
    if (hasMore !== true || typeof next !== 'string') return dots;
    after = next;
  }
};

/** The dots of one device in the server's log, in log order. */
export const deviceDotsOnServer = async (url: string, deviceId: string): Promise<string[]> =>
  (await serverDots(url)).filter((dot) => dot.startsWith(`${deviceId}:`));

/** The server's projection, as the admin's snapshot gives it, by `collection/docId`. */
export const serverProjection = async (url: string): Promise<ReadonlyMap<string, SnapshotDoc>> => {
  const admin = httpTransport({ baseUrl: url, token: TOKENS.admin });
  const docs = new Map<string, SnapshotDoc>();
  let page: string | null = null;
  do {
    const answer: SnapshotAnswer = rightOf(await admin.snapshot(page), 'a snapshot page');
    for (const doc of answer.docs) docs.set(`${doc.collection}/${doc.docId}`, doc);
    page = answer.nextPage;
  } while (page !== null);
  return docs;
};

/** What a replica shows of one document: its fields and whether it is deleted. */
export const shownBy = async (
  replica: Replica,
  collection: CollectionName,
  docId: string,
): Promise<{ readonly data: unknown; readonly deleted: boolean } | undefined> => {
  const doc = await replica.collection(collection).get(docId);
  return doc === undefined ? undefined : { data: doc.data, deleted: doc.deleted };
};

/** Syncs until a cycle succeeds (the server may still be starting), at most `tries` times. */
export const syncOk = async (replica: Replica, tries = 20): Promise<void> => {
  for (let i = 0; i < tries; i++) {
    const report = await replica.sync();
    if (report.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const status = await replica.status();
  throw new Error(`sync kept failing: ${status.lastError?.message ?? 'no error recorded'}`);
};
