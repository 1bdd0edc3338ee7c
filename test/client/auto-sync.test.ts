import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Replica } from '../../src/client/replica.ts';
import { type Harness, startHarness } from '../functions/service-harness.ts';
import {
  errorResponse,
  eventually,
  FaultyHandler,
  patientData,
  replicaOf,
  rightOf,
} from './client-fixtures.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the automatic mode', () => {
  let harness: Harness;
  let faults: FaultyHandler;
  const open: Replica[] = [];

  const started = async (user: 'hwNorth' | 'hwNorth2', deviceId: string): Promise<Replica> => {
    const replica = await replicaOf(faults.handle, user, deviceId);
    open.push(replica);
    replica.start();
    await eventually(
      async () => (await replica.status()).lastSyncAt !== null,
      10_000,
      'a first sync',
    );
    return replica;
  };

  beforeEach(async () => {
    harness = await startHarness();
    faults = new FaultyHandler((r) => harness.service.handle(r));
  });

  afterEach(async () => {
    for (const replica of open.splice(0)) await replica.close();
    await harness.close();
  });

  it('pushes a local edit by itself, and a poke makes another device pull it', async () => {
    const a = await started('hwNorth', 'tablet-a');
    const b = await started('hwNorth2', 'tablet-b');
    const pullsBefore = faults.count('GET', '/v1/pull');
    const { docId } = rightOf(await a.patients.create(patientData('Amina')));
    await eventually(async () => (await b.patients.get(docId)) !== undefined, 10_000, 'b sees it');
    expect(faults.count('GET', '/v1/pull')).toBeGreaterThan(pullsBefore);
    expect(faults.count('GET', '/v1/events')).toBeGreaterThanOrEqual(2);
  });

  it('retries on its schedule while the server is down, and pushes once it is back', async () => {
    const a = await started('hwNorth', 'tablet-a');
    faults.down = true;
    rightOf(await a.patients.create(patientData('Offline')));
    await eventually(async () => (await a.status()).nextRetryAt !== null, 5_000, 'a retry');
    const status = await a.status();
    expect(status.online).toBe(false);
    expect(status.pending).toBe(1);
    const attempts = faults.count('POST', '/v1/push');
    await sleep(300);
    expect(faults.count('POST', '/v1/push')).toBeGreaterThan(attempts);
    faults.down = false;
    await eventually(async () => (await a.status()).pending === 0, 10_000, 'the push');
    expect(await a.status()).toMatchObject({ online: true, lastError: null });
  });

  it('never retries a request the server refused with a 4xx', async () => {
    const a = await started('hwNorth', 'tablet-a');
    faults.before = (request) =>
      request.path === '/v1/push' ? errorResponse(403, 'forbidden') : undefined;
    rightOf(await a.patients.create(patientData('Refused')));
    await eventually(async () => (await a.status()).lastError !== null, 5_000, 'the refusal');
    const attempts = faults.count('POST', '/v1/push');
    await sleep(500);
    expect(faults.count('POST', '/v1/push')).toBe(attempts);
    expect(await a.status()).toMatchObject({ nextRetryAt: null, pending: 1 });
  });

  it('stops syncing once stopped', async () => {
    const a = await started('hwNorth', 'tablet-a');
    await a.stop();
    const requests = faults.requests.length;
    rightOf(await a.patients.create(patientData('Later')));
    await sleep(200);
    expect(faults.requests.length).toBe(requests);
    expect((await a.status()).pending).toBe(1);
  });
});
