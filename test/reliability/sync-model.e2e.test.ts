/**
 * A model-based test (fast-check commands) of four replicas on files (two health workers of one
 * facility, a supervisor, an admin) and the real server process on SQLite. Commands edit every
 * writable collection, take replicas offline and online, sync, crash a replica (abandoned and
 * reopened from its file), crash the server (SIGKILL, also with syncs in flight; restarted on
 * the same database and port), and let an auditor resolve an open conflict.
 *
 * The model is an oracle of what each replica wrote and whether it is online. After every
 * command: no dot is logged twice, every op a replica holds acknowledged (no longer pending) is
 * in the log, and nothing is logged that a replica did not write. After a final clean sync:
 * every replica equals the server's projection, nothing is pending, every written op is logged
 * once, and `POST /v1/verify` finds the hash chains and projections intact.
 */
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Written } from '../../src/client/collection-handle.ts';
import { createReplica, type Replica } from '../../src/client/replica.ts';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import type { CollectionName } from '../../src/domain/collection.ts';
import type { OpError } from '../../src/domain/errors.ts';
import { PRINCIPALS, patientData, recordData } from '../client/client-fixtures.ts';
import {
  portOf,
  serverDots,
  serverProjection,
  serveWorkspace,
  shownBy,
  syncOk,
} from '../client/e2e-fixtures.ts';
import { type TestUser, TOKENS } from '../functions/sync-fixtures.ts';
import { clientOf, prop } from '../server/http-client.ts';
import { makeWorkspace, type ServerProcess, type Workspace } from '../server/server-process.ts';

let workspace: Workspace;
let server: ServerProcess;
let port: number;

beforeAll(async () => {
  workspace = await makeWorkspace();
  server = await serveWorkspace(workspace);
  port = portOf(server);
});

afterAll(async () => {
  await server?.stop();
  await workspace?.remove();
});

const USERS: readonly TestUser[] = ['hwNorth', 'hwNorth2', 'supervisor', 'admin'];
const SUPERVISOR = 2;
const ADMIN = 3;

/** One device: its file, its replica, and a switch that cuts its network. */
interface Device {
  readonly user: TestUser;
  readonly deviceId: string;
  readonly path: string;
  replica: Replica;
  readonly network: { online: boolean };
}

/** The system under test in one run. */
interface Real {
  readonly run: string;
  readonly devices: Device[];
  /** Replicas left open when their device "crashed", closed at the end of the run. */
  readonly abandoned: Replica[];
  /** Every document of the run, for the final comparison. */
  readonly docs: { collection: CollectionName; docId: string }[];
}

/** The oracle: what each device wrote (its dots, in order) and whether it is online. */
interface Model {
  readonly written: string[][];
  readonly online: boolean[];
}

const openReplica = (device: Omit<Device, 'replica'>): Promise<Replica> =>
  createReplica({
    path: device.path,
    deviceId: device.deviceId,
    principal: PRINCIPALS[device.user],
    transport: httpTransport({
      baseUrl: `http://127.0.0.1:${port}`,
      token: TOKENS[device.user],
      timeoutMs: 5_000,
      fetch: (input, init) =>
        device.network.online
          ? fetch(input, init)
          : Promise.reject(new TypeError('the device is offline')),
    }),
    backoff: { baseMs: 20, maxMs: 200 },
  });

const pick = <T>(values: readonly T[], i: number): T => {
  const value = values[i % values.length];
  if (value === undefined) throw new Error('empty choice');
  return value;
};

const deviceOf = (real: Real, i: number): Device => pick(real.devices, i);

/** Records a mutation's op in the model, if the replica took it. */
const note = (
  model: Model,
  i: number,
  result: E.Either<OpError, Written>,
  device: Device,
): void => {
  if (E.isLeft(result)) throw new Error(`${device.deviceId} refused: ${result.left.message}`);
  pick(model.written, i).push(`${device.deviceId}:${result.right.seq}`);
};

/**
 * The ops the server accepted for the device: the first `written - pending` of them (no longer
 * pending), less those it rejected (a rejected op leaves the outbox but never enters the log;
 * the replica keeps it among its rejections, and the server in its quarantine).
 */
const acknowledged = async (model: Model, real: Real, i: number): Promise<string[]> => {
  const written = pick(model.written, i);
  const replica = deviceOf(real, i).replica;
  const pending = (await replica.status()).pending;
  const rejected = new Set((await replica.rejections()).map((r) => `${r.op.deviceId}:${r.op.seq}`));
  return written.slice(0, written.length - pending).filter((dot) => !rejected.has(dot));
};

/** The invariants that hold after every command. */
const checkLog = async (model: Model, real: Real): Promise<void> => {
  const dots = (await serverDots(server.url)).filter((d) => d.startsWith(`${real.run}-`));
  const counts = new Map<string, number>();
  for (const dot of dots) counts.set(dot, (counts.get(dot) ?? 0) + 1);
  expect(
    [...counts].filter(([, n]) => n > 1),
    'dots logged twice',
  ).toEqual([]);
  const written = new Set(model.written.flat());
  expect(
    dots.filter((d) => !written.has(d)),
    'logged dots nobody wrote',
  ).toEqual([]);
  for (const i of real.devices.keys()) {
    const acked = await acknowledged(model, real, i);
    expect(
      acked.filter((d) => !counts.has(d)),
      'acknowledged dots missing',
    ).toEqual([]);
  }
};

type SyncCommand = fc.AsyncCommand<Model, Real>;

/** What the runs did, so the test can show that crashes and resolutions really happened. */
const happened = { serverCrashes: 0, clientCrashes: 0, resolutions: 0, offlineSyncs: 0, edits: 0 };

const NAMES = ['Abena Mensah', 'Abena Mensa', 'Abena K. Mensah'];
const TOWNS = ['Tamale', 'Savelugu', null];
const BATCHES = ['B-1', 'B-2', null];

/** A health-worker-level edit of a shared document by any device. */
class Edit implements SyncCommand {
  constructor(
    readonly device: number,
    readonly what: 'name' | 'town' | 'batch' | 'notes' | 'read' | 'delete' | 'restore',
    readonly doc: number,
    readonly value: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const device = deviceOf(real, this.device);
    const r = device.replica;
    const patient = `${real.run}-p${this.doc % 2}`;
    const record = `${real.run}-i${this.doc % 2}`;
    const result = await (async () => {
      switch (this.what) {
        case 'name':
          return r.patients.update(patient, { fullName: pick(NAMES, this.value) });
        case 'town':
          return r.patients.update(patient, { townVillage: pick(TOWNS, this.value) });
        case 'batch':
          return r.immunizationRecords.update(record, { batchNumber: pick(BATCHES, this.value) });
        case 'notes':
          return r.immunizationRecords.update(record, { notes: `note ${this.value}` });
        case 'read':
          return r.notifications.update(`${real.run}-n0`, { read: this.value % 2 === 0 });
        case 'delete':
          return this.doc % 3 === 2
            ? r.immunizationRecords.delete(record)
            : r.patients.delete(patient);
        case 'restore':
          return this.doc % 3 === 2
            ? r.immunizationRecords.restore(record)
            : r.patients.restore(patient);
        default: {
          const unreachable: never = this.what;
          throw new Error(`unknown edit ${String(unreachable)}`);
        }
      }
    })();
    note(model, this.device, result, device);
    happened.edits += 1;
    await checkLog(model, real);
  }
  toString = (): string => `edit(${this.device}, ${this.what}, ${this.doc}, ${this.value})`;
}

/** A new document: a patient, a record of a shared patient, or a notification. */
class Create implements SyncCommand {
  constructor(
    readonly device: number,
    readonly what: 'patient' | 'record' | 'notification',
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const device = deviceOf(real, this.device);
    const r = device.replica;
    const docId = `${real.run}-new${real.docs.length}`;
    const patient = `${real.run}-p0`;
    switch (this.what) {
      case 'patient':
        note(model, this.device, await r.patients.create(patientData(docId), docId), device);
        real.docs.push({ collection: 'patients', docId });
        break;
      case 'record':
        note(
          model,
          this.device,
          await r.immunizationRecords.create(recordData(patient, 2), docId),
          device,
        );
        real.docs.push({ collection: 'immunization_records', docId });
        break;
      case 'notification':
        note(
          model,
          this.device,
          await r.notifications.create(
            {
              userId: 'hw-north',
              patientId: patient,
              type: 'dose_due',
              message: docId,
              read: false,
            },
            docId,
          ),
          device,
        );
        real.docs.push({ collection: 'notifications', docId });
        break;
      default: {
        const unreachable: never = this.what;
        throw new Error(`unknown create ${String(unreachable)}`);
      }
    }
    await checkLog(model, real);
  }
  toString = (): string => `create(${this.device}, ${this.what})`;
}

/** The supervisor writes a server-only field (and an identity field) with server authority. */
class SupervisorEdit implements SyncCommand {
  constructor(
    readonly doc: number,
    readonly value: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const device = deviceOf(real, SUPERVISOR);
    const result = await device.replica.patients.update(`${real.run}-p${this.doc % 2}`, {
      healthWorkerId: pick(['hw-north', 'hw-north-2', null], this.value),
      fullName: pick(NAMES, this.value + 1),
    });
    note(model, SUPERVISOR, result, device);
    await checkLog(model, real);
  }
  toString = (): string => `supervisorEdit(${this.doc}, ${this.value})`;
}

/** The admin edits reference data (a facility's district, a vaccine's interval). */
class AdminEdit implements SyncCommand {
  constructor(readonly value: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const device = deviceOf(real, ADMIN);
    const result =
      this.value % 2 === 0
        ? await device.replica.facilities.update('fac-north', {
            district: `District ${this.value}`,
          })
        : await device.replica.vaccines.update('vac-penta', { minIntervalDays: 28 + this.value });
    note(model, ADMIN, result, device);
    await checkLog(model, real);
  }
  toString = (): string => `adminEdit(${this.value})`;
}

class GoOffline implements SyncCommand {
  constructor(readonly device: number) {}
  check = (model: Model): boolean => pick(model.online, this.device);
  async run(model: Model, real: Real): Promise<void> {
    model.online[this.device] = false;
    deviceOf(real, this.device).network.online = false;
  }
  toString = (): string => `offline(${this.device})`;
}

class GoOnline implements SyncCommand {
  constructor(readonly device: number) {}
  check = (model: Model): boolean => !pick(model.online, this.device);
  async run(model: Model, real: Real): Promise<void> {
    model.online[this.device] = true;
    deviceOf(real, this.device).network.online = true;
  }
  toString = (): string => `online(${this.device})`;
}

/** A sync: it works when online (pending drops to 0) and changes nothing offline. */
class Sync implements SyncCommand {
  constructor(readonly device: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const device = deviceOf(real, this.device);
    if (pick(model.online, this.device)) {
      await syncOk(device.replica, 30);
      expect((await device.replica.status()).pending).toBe(0);
    } else {
      const before = (await device.replica.status()).pending;
      expect((await device.replica.sync()).ok).toBe(false);
      happened.offlineSyncs += 1;
      expect((await device.replica.status()).pending).toBe(before);
    }
    // The one rejection the commands can provoke: a record or notification created for the
    // shared patient after another device deleted it (the server refuses a dangling patientId).
    const unexpected = (await device.replica.rejections()).filter(
      (r) => !(r.op.kind === 'create' && r.error.path === 'data.patientId'),
    );
    expect(unexpected).toEqual([]);
    await checkLog(model, real);
  }
  toString = (): string => `sync(${this.device})`;
}

/** The device dies: its replica is abandoned as it is and reopened from its file. */
class CrashClient implements SyncCommand {
  constructor(readonly device: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const device = deviceOf(real, this.device);
    const before = (await device.replica.status()).pending;
    real.abandoned.push(device.replica);
    device.replica = await openReplica(device);
    happened.clientCrashes += 1;
    expect((await device.replica.status()).pending).toBe(before);
    await checkLog(model, real);
  }
  toString = (): string => `crashClient(${this.device})`;
}

/** The server is killed with SIGKILL (with the online devices' syncs in flight, or idle). */
class CrashServer implements SyncCommand {
  constructor(
    readonly midSync: boolean,
    readonly afterMs: number,
  ) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const inFlight = this.midSync
      ? real.devices.filter((_, i) => pick(model.online, i)).map((d) => d.replica.sync())
      : [];
    await new Promise((resolve) => setTimeout(resolve, this.afterMs));
    server.child.kill('SIGKILL');
    await server.exited;
    await Promise.all(inFlight);
    server = await serveWorkspace(workspace, port);
    happened.serverCrashes += 1;
    await checkLog(model, real);
  }
  toString = (): string => `crashServer(${this.midSync ? `midSync, ${this.afterMs} ms` : 'idle'})`;
}

/** An auditor resolves one of the run's open conflicts with one of its candidates' values. */
class AuditorResolve implements SyncCommand {
  constructor(readonly choice: number) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const http = clientOf(server.url);
    const listed = await http.json('GET', '/v1/conflicts?status=open', 'auditor');
    expect(listed.status).toBe(200);
    const all = prop(listed.json, 'conflicts');
    const ours = (Array.isArray(all) ? all : []).filter((c) =>
      String(prop(c, 'docId')).startsWith(`${real.run}-`),
    );
    if (ours.length === 0) return;
    const conflict = pick(ours, this.choice);
    const fields = prop(conflict, 'fields');
    const candidates = prop(conflict, 'candidates');
    const field = Array.isArray(fields) ? String(fields[0]) : '';
    const values = prop(Array.isArray(candidates) ? candidates[0] : undefined, 'values');
    const resolved = await http.json(
      'POST',
      `/v1/conflicts/${String(prop(conflict, 'id'))}/resolve`,
      'auditor',
      { data: { [field]: prop(values, field) } },
    );
    expect(resolved.status, JSON.stringify(resolved.json)).toBe(200);
    expect(prop(prop(resolved.json, 'conflict'), 'status')).toBe('resolved');
    happened.resolutions += 1;
    await checkLog(model, real);
  }
  toString = (): string => `auditorResolve(${this.choice})`;
}

const device = fc.nat({ max: USERS.length - 1 });
const small = fc.nat({ max: 5 });
const commandArb: fc.Arbitrary<SyncCommand> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(
        device,
        fc.constantFrom(
          'name' as const,
          'town' as const,
          'batch' as const,
          'notes' as const,
          'read' as const,
          'delete' as const,
          'restore' as const,
        ),
        small,
        small,
      )
      .map(([d, what, doc, value]) => new Edit(d, what, doc, value)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        device,
        fc.constantFrom('patient' as const, 'record' as const, 'notification' as const),
      )
      .map(([d, what]) => new Create(d, what)),
  },
  { weight: 2, arbitrary: fc.tuple(small, small).map(([d, v]) => new SupervisorEdit(d, v)) },
  { weight: 1, arbitrary: small.map((v) => new AdminEdit(v)) },
  { weight: 2, arbitrary: device.map((d) => new GoOffline(d)) },
  { weight: 2, arbitrary: device.map((d) => new GoOnline(d)) },
  { weight: 8, arbitrary: device.map((d) => new Sync(d)) },
  { weight: 2, arbitrary: device.map((d) => new CrashClient(d)) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.boolean(), fc.nat({ max: 40 }))
      .map(([midSync, ms]) => new CrashServer(midSync, ms)),
  },
  { weight: 3, arbitrary: small.map((c) => new AuditorResolve(c)) },
);

let runs = 0;

/**
 * A fresh run: four devices on new files, sharing two patients, two records and a notification,
 * with an open review conflict on the second patient's name.
 */
const setup = async (): Promise<{ model: Model; real: Real }> => {
  runs += 1;
  const run = `m${runs}`;
  const devices: Device[] = [];
  for (const [i, user] of USERS.entries()) {
    const base = {
      user,
      deviceId: `${run}-dev${i}`,
      path: join(workspace.dir, `${run}-dev${i}.db`),
      network: { online: true },
    };
    devices.push({ ...base, replica: await openReplica(base) });
  }
  const real: Real = { run, devices, abandoned: [], docs: [] };
  const model: Model = { written: USERS.map(() => []), online: USERS.map(() => true) };
  const maker = deviceOf(real, 0);
  for (const i of [0, 1]) {
    const docId = `${run}-p${i}`;
    note(model, 0, await maker.replica.patients.create(patientData(docId), docId), maker);
    real.docs.push({ collection: 'patients', docId });
  }
  for (const i of [0, 1]) {
    const docId = `${run}-i${i}`;
    note(
      model,
      0,
      await maker.replica.immunizationRecords.create(recordData(`${run}-p${i}`), docId),
      maker,
    );
    real.docs.push({ collection: 'immunization_records', docId });
  }
  const notification = `${run}-n0`;
  note(
    model,
    0,
    await maker.replica.notifications.create(
      { userId: 'hw-north', patientId: `${run}-p0`, type: 'dose_due', message: 'due', read: false },
      notification,
    ),
    maker,
  );
  real.docs.push({ collection: 'notifications', docId: notification });
  real.docs.push({ collection: 'facilities', docId: 'fac-north' });
  real.docs.push({ collection: 'vaccines', docId: 'vac-penta' });
  await syncOk(maker.replica);
  for (const d of devices) await syncOk(d.replica);
  // Both health workers rename the same patient without seeing each other: an open conflict.
  for (const i of [0, 1]) {
    const d = deviceOf(real, i);
    note(model, i, await d.replica.patients.update(`${run}-p1`, { fullName: pick(NAMES, i) }), d);
  }
  for (const d of devices) await syncOk(d.replica);
  return { model, real };
};

/** Everything online, two clean rounds of syncs, then the final checks. */
const finish = async (model: Model, real: Real): Promise<void> => {
  // Every run syncs offline at least once, whatever the commands drew.
  const first = deviceOf(real, 0);
  first.network.online = false;
  model.online[0] = false;
  await new Sync(0).run(model, real);
  for (const [i, d] of real.devices.entries()) {
    d.network.online = true;
    model.online[i] = true;
  }
  for (let round = 0; round < 2; round++) {
    for (const d of real.devices) await syncOk(d.replica, 30);
  }
  await checkLog(model, real);
  const logged = new Set(await serverDots(server.url));
  // An op the server rejected is never logged; it must then be held by its replica as a
  // rejection (and by the server in its quarantine), never lost without a word.
  const rejected = new Set<string>();
  for (const d of real.devices) {
    for (const r of await d.replica.rejections()) rejected.add(`${r.op.deviceId}:${r.op.seq}`);
  }
  expect(
    model.written.flat().filter((dot) => !logged.has(dot) && !rejected.has(dot)),
    'written but neither logged nor rejected',
  ).toEqual([]);
  const projection = await serverProjection(server.url);
  for (const { collection, docId } of real.docs) {
    const onServer = projection.get(`${collection}/${docId}`);
    for (const d of real.devices) {
      const shown = await shownBy(d.replica, collection, docId);
      const where = `${d.deviceId}: ${collection}/${docId}`;
      if (onServer === undefined) {
        // Its create was rejected: no replica may keep showing it.
        expect(shown, where).toBeUndefined();
      } else {
        expect(shown, where).toEqual({ data: onServer.data, deleted: onServer.deleted });
      }
      expect((await d.replica.status()).pending).toBe(0);
    }
  }
  const verify: unknown = await (
    await clientOf(server.url).post('/v1/verify', { as: 'admin' })
  ).json();
  expect(prop(verify, 'problems')).toEqual([]);
  expect(prop(verify, 'ok')).toBe(true);
};

describe('replicas and the server under edits, partitions and crashes', () => {
  it('lose no acknowledged op, log none twice, and end equal to the server', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands([commandArb], { maxCommands: 40, size: 'large' }),
        async (commands) => {
          const { model, real } = await setup();
          try {
            await fc.asyncModelRun(() => ({ model, real }), commands);
            await finish(model, real);
          } finally {
            for (const d of real.devices) await d.replica.close();
            for (const r of real.abandoned) await r.close();
          }
        },
      ),
      // MODEL_SEED and MODEL_PATH replay a failure that CI printed.
      {
        numRuns: 12,
        endOnFailure: true,
        ...(process.env.MODEL_SEED === undefined ? {} : { seed: Number(process.env.MODEL_SEED) }),
        ...(process.env.MODEL_PATH === undefined ? {} : { path: process.env.MODEL_PATH }),
      },
    );
    console.info(`model runs: ${JSON.stringify(happened)}`);
    for (const [what, count] of Object.entries(happened)) {
      expect(count, `${what} over all runs`).toBeGreaterThan(0);
    }
  }, 240_000);
});
