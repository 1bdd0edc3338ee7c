/**
 * Pushing a device's ops to a server in batches through the client's HTTP transport (two in
 * flight, as the client sends them), checking that the server accepted every one (a benchmark
 * that measured refusals would measure nothing).
 */
import * as E from 'fp-ts/lib/Either.js';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import { describeTransportError } from '../../src/client/transports/sync-transport.ts';
import type { Operation } from '../../src/domain/operation.ts';
import type { DatasetConfig, FacilityPlan } from '../data/immunization-dataset.ts';
import { ADMIN_DEVICE, facilityOps } from '../data/immunization-dataset.ts';
import { ADMIN_TOKEN } from './bench-principals.ts';
import { typedOps } from './typed-ops.ts';

/** Batches in flight at once as the client sends them: the next before an answer is read. */
export const CLIENT_IN_FLIGHT = 2;

/**
 * Pushes `ops` (all of `deviceId`, in seq order) in batches of `batch`, `inFlight` at once (the
 * client: `CLIENT_IN_FLIGHT`, see `push-step.ts`; 1: one after the other); the batches' times
 * from sending to answer, ms. A batch that overtakes the one before it is answered `gap`: the
 * push then resends from the seq the server expects, as the client does.
 */
export const pushAll = async (
  baseUrl: string,
  token: string,
  deviceId: string,
  ops: readonly Operation[],
  batch: number,
  inFlight = CLIENT_IN_FLIGHT,
): Promise<readonly number[]> => {
  const transport = httpTransport({ baseUrl, token, timeoutMs: 300_000 });
  const times: number[] = [];
  const send = (from: number) => {
    const started = performance.now();
    return transport.push(deviceId, ops.slice(from, from + batch)).then((answer) => {
      times.push(performance.now() - started);
      return answer;
    });
  };
  let next = 0;
  let sent: ReturnType<typeof send>[] = [];
  while (next < ops.length || sent.length > 0) {
    while (sent.length < inFlight && next < ops.length) {
      sent.push(send(next));
      next += batch;
    }
    const [current, ...rest] = sent;
    if (current === undefined) break;
    sent = rest;
    const answer = await current;
    if (E.isLeft(answer)) throw new Error(`push failed: ${describeTransportError(answer.left)}`);
    const gap = answer.right.results.find((r) => r.status === 'gap');
    if (gap !== undefined && gap.status === 'gap') {
      await Promise.all(sent);
      sent = [];
      next = ops.findIndex((op) => op.seq === gap.expected);
      if (next < 0) throw new Error(`the server expects seq ${gap.expected}, not pushed here`);
      continue;
    }
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
