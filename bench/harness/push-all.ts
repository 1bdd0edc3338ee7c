/**
 * Pushing a device's ops to a server in batches through the client's HTTP transport, checking
 * that the server accepted every one (a benchmark that measured refusals would measure nothing).
 */
import * as E from 'fp-ts/lib/Either.js';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import { describeTransportError } from '../../src/client/transports/sync-transport.ts';
import type { Operation } from '../../src/domain/operation.ts';
import type { DatasetConfig, FacilityPlan } from '../data/immunization-dataset.ts';
import { ADMIN_DEVICE, facilityOps } from '../data/immunization-dataset.ts';
import { ADMIN_TOKEN } from './bench-principals.ts';
import { typedOps } from './typed-ops.ts';

/** Pushes `ops` (all of `deviceId`, in seq order) in batches of `batch`; the batches' times, ms. */
export const pushAll = async (
  baseUrl: string,
  token: string,
  deviceId: string,
  ops: readonly Operation[],
  batch: number,
): Promise<readonly number[]> => {
  const transport = httpTransport({ baseUrl, token, timeoutMs: 300_000 });
  const times: number[] = [];
  for (let from = 0; from < ops.length; from += batch) {
    const chunk = ops.slice(from, from + batch);
    const started = performance.now();
    const answer = await transport.push(deviceId, chunk);
    times.push(performance.now() - started);
    if (E.isLeft(answer)) throw new Error(`push failed: ${describeTransportError(answer.left)}`);
    const refused = answer.right.results.find(
      (r) => r.status !== 'accepted' && r.status !== 'duplicate',
    );
    if (refused !== undefined)
      throw new Error(`an op was not accepted: ${JSON.stringify(refused)}`);
  }
  return times;
};

/** Creates the data set's facilities as the admin. */
export const pushFacilities = async (baseUrl: string, config: DatasetConfig): Promise<void> => {
  const ops = typedOps(facilityOps(config));
  await pushAll(baseUrl, ADMIN_TOKEN, ADMIN_DEVICE, ops, 1000);
};

/**
 * Pushes a facility's ops as its health worker. The ops are decoded by the caller (`typedOps`),
 * so that a timed push measures the push and not the benchmark's own decoding.
 */
export const pushFacilityOps = (
  baseUrl: string,
  facility: FacilityPlan,
  ops: readonly Operation[],
  batch: number,
): Promise<readonly number[]> =>
  pushAll(baseUrl, facility.workerToken, facility.deviceId, ops, batch);
