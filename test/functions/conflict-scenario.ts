/**
 * A scenario that leaves the log with one of each conflict the resolve route distinguishes,
 * through any transport (the service in process, or a real server over HTTP):
 * - `toResolve`: an open review conflict on a patient's `fullName`;
 * - `toSupersede`: a review conflict that a later write, having seen both candidates, closed;
 * - `deleteConflict`: a `delete` record (an update concurrent with a delete).
 * Two devices of health workers of fac-north write concurrently (neither has seen the other).
 */
import {
  patientCreate,
  patientDelete,
  patientUpdate,
  pushBody,
  type TestUser,
} from './sync-fixtures.ts';

/** Sends one request and gives its status and JSON. */
export type Send = (
  method: 'GET' | 'POST',
  path: string,
  as: TestUser,
  body?: unknown,
) => Promise<{ readonly status: number; readonly json: unknown }>;

const prop = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;

const expectOk = async (
  send: Send,
  as: TestUser,
  deviceId: string,
  ops: readonly Record<string, unknown>[],
) => {
  const { status, json } = await send('POST', '/v1/push', as, pushBody(deviceId, ops));
  const results = prop(json, 'results');
  const statuses = Array.isArray(results) ? results.map((r) => prop(r, 'status')) : [];
  if (status !== 200 || statuses.some((s) => s !== 'accepted')) {
    throw new Error(`the scenario's push was not accepted: ${status} ${JSON.stringify(json)}`);
  }
};

/** Runs the scenario (device ids are prefixed, so it can run on a log already in use). */
export const makeConflicts = async (send: Send, prefix = 'c') => {
  const a = `${prefix}-tab-a`;
  const b = `${prefix}-tab-b`;
  const p1 = `${prefix}-pat-1`;
  const p2 = `${prefix}-pat-2`;
  const p3 = `${prefix}-pat-3`;
  await expectOk(send, 'hwNorth', a, [
    patientCreate(a, 1, p1, 'fac-north'),
    patientCreate(a, 2, p2, 'fac-north'),
    patientCreate(a, 3, p3, 'fac-north'),
  ]);
  const seen = { [a]: 3 };
  await expectOk(send, 'hwNorth', a, [
    patientUpdate(a, 4, p1, { fullName: 'Amina A' }, seen),
    patientUpdate(a, 5, p2, { fullName: 'Amina A' }, seen),
    patientDelete(a, 6, p3, seen),
  ]);
  await expectOk(send, 'hwNorth2', b, [
    patientUpdate(b, 1, p1, { fullName: 'Amina B' }, seen),
    patientUpdate(b, 2, p2, { fullName: 'Amina B' }, seen),
    patientUpdate(b, 3, p3, { motherName: 'Rose' }, seen),
  ]);

  const listed = async (status: string) => {
    const { json } = await send('GET', `/v1/conflicts?status=${status}`, 'auditor');
    const conflicts = prop(json, 'conflicts');
    return Array.isArray(conflicts) ? conflicts : [];
  };
  const open = await listed('open');
  const idOf = (docId: string, kind: string, from: readonly unknown[]): string => {
    const found = from.find((c) => prop(c, 'docId') === docId && prop(c, 'kind') === kind);
    const id = prop(found, 'id');
    if (typeof id !== 'string')
      throw new Error(`no ${kind} conflict on ${docId}: ${JSON.stringify(from)}`);
    return id;
  };
  const toResolve = idOf(p1, 'field', open);
  const toSupersede = idOf(p2, 'field', open);
  const deleteConflict = idOf(p3, 'delete', await listed('auto'));

  // A write that has seen both candidates closes the second conflict.
  await expectOk(send, 'hwNorth', a, [
    patientUpdate(a, 7, p2, { fullName: 'Amina C' }, { [a]: 5, [b]: 2 }),
  ]);
  return { toResolve, toSupersede, deleteConflict, devices: [a, b], patients: [p1, p2, p3] };
};
