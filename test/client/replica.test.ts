import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplicaDocument } from '../../src/client/collection-handle.ts';
import type { Replica } from '../../src/client/replica.ts';
import type { RequestHandler } from '../../src/client/transports/in-process-transport.ts';
import type { Patient } from '../../src/domain/collections/patients.ts';
import { patientData, replicaOf, rightOf } from './client-fixtures.ts';

/** A server nobody can reach: the replica works offline. */
const unreachable: RequestHandler = async () => {
  throw new Error('offline');
};

describe('a replica offline', () => {
  let dir: string;
  let replica: Replica;
  let now: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replica-'));
    now = Date.parse('2025-06-15T12:00:00.000Z');
    replica = await replicaOf(unreachable, 'hwNorth', 'tablet-1', {
      path: join(dir, 'replica.db'),
      clock: () => now,
    });
  });

  afterEach(async () => {
    await replica.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a mutation in the file’s outbox once it has returned, across a reopen', async () => {
    const { docId } = rightOf(await replica.patients.create(patientData('Amina')));
    await replica.close();
    replica = await replicaOf(unreachable, 'hwNorth', 'tablet-1', {
      path: join(dir, 'replica.db'),
    });
    expect((await replica.status()).pending).toBe(1);
    expect(await replica.patients.get(docId)).toMatchObject({
      data: patientData('Amina'),
      pending: true,
    });
  });

  it('refuses to open a file that belongs to another device', async () => {
    await replica.close();
    await expect(
      replicaOf(unreachable, 'hwNorth', 'tablet-2', { path: join(dir, 'replica.db') }),
    ).rejects.toThrow(/belongs to device tablet-1/);
    replica = await replicaOf(unreachable, 'hwNorth', 'tablet-1', {
      path: join(dir, 'replica.db'),
    });
  });

  it('gives its ops seqs 1, 2, 3… in the order of the mutations', async () => {
    const a = rightOf(await replica.patients.create(patientData('A')));
    const b = rightOf(await replica.patients.update(a.docId, { townVillage: 'Gulu' }));
    const c = rightOf(await replica.patients.delete(a.docId));
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
  });

  it('shows offline edits in its view through the server’s reducers', async () => {
    const { docId } = rightOf(await replica.patients.create(patientData('Amina')));
    rightOf(await replica.patients.update(docId, { fullName: 'Amina K.', townVillage: 'Gulu' }));
    expect((await replica.patients.get(docId))?.data).toEqual({
      ...patientData('Amina K.'),
      townVillage: 'Gulu',
    });
    rightOf(await replica.patients.delete(docId));
    expect(await replica.patients.get(docId)).toMatchObject({ deleted: true });
    expect(await replica.patients.list()).toEqual([]);
    rightOf(await replica.patients.restore(docId));
    expect((await replica.patients.list()).map((d) => d.docId)).toEqual([docId]);
  });

  it('refuses an invalid mutation with the codec’s path, and writes nothing', async () => {
    const refused = await replica.patients.create({
      ...patientData('X'),
      dateOfBirth: '2024-13-01',
    });
    expect(E.isLeft(refused) ? refused.left.path : null).toBe('data.dateOfBirth');
    expect((await replica.status()).pending).toBe(0);
    const next = rightOf(await replica.patients.create(patientData('Y')));
    expect(next.seq).toBe(1);
  });

  it('refuses to update a document it does not hold', async () => {
    const refused = await replica.patients.update('nobody', { townVillage: 'Gulu' });
    expect(E.isLeft(refused) ? [refused.left.code, refused.left.path] : null).toEqual([
      'invalid',
      'docId',
    ]);
  });

  it('lists by field equality, leaving deleted documents out unless asked', async () => {
    const a = rightOf(await replica.patients.create(patientData('A'), 'pat-a'));
    rightOf(await replica.patients.create({ ...patientData('B'), sex: 'M' }, 'pat-b'));
    rightOf(await replica.patients.create(patientData('C'), 'pat-c'));
    rightOf(await replica.patients.delete('pat-c'));
    const ids = (docs: readonly ReplicaDocument<Patient>[]) => docs.map((d) => d.docId);
    expect(ids(await replica.patients.list({ where: { sex: 'F' } }))).toEqual([a.docId]);
    expect(ids(await replica.patients.list({ where: { sex: 'F' }, includeDeleted: true }))).toEqual(
      ['pat-a', 'pat-c'],
    );
    expect(ids(await replica.patients.list({ where: { fullName: 'nobody' } }))).toEqual([]);
  });

  it('tells a subscriber the current result, then every change of the collection', async () => {
    const seen: string[][] = [];
    const stop = replica.patients.subscribe({}, (docs) =>
      seen.push(docs.map((d) => d.data.fullName)),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    rightOf(await replica.patients.create(patientData('A'), 'pat-a'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    rightOf(await replica.patients.update('pat-a', { fullName: 'A2' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop();
    rightOf(await replica.patients.update('pat-a', { fullName: 'A3' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual([[], ['A'], ['A2']]);
  });

  it('reports its pending ops, the oldest one’s age, and the failed sync', async () => {
    rightOf(await replica.patients.create(patientData('A')));
    now += 5_000;
    rightOf(await replica.patients.create(patientData('B')));
    now += 1_000;
    const report = await replica.sync();
    expect(report.ok).toBe(false);
    const status = await replica.status();
    expect(status).toMatchObject({
      online: false,
      syncing: false,
      pending: 2,
      oldestPendingAgeMs: 6_000,
      lastSyncAt: null,
    });
    expect(status.lastError?.message).toMatch(/network/);
  });
});
