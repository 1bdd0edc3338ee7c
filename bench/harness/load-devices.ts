/**
 * A device process of the load script (`bench/load.ts` forks several, so that the devices use
 * every core the server leaves): it opens its devices as real replicas over HTTP, has each write
 * its ops with a sync every `syncEvery` of them, then, when told, syncs them all twice and checks
 * each against the server's projection of its facility.
 *
 * A quarter of the ops edit documents that every device of a facility shares, so concurrent
 * writes conflict all the time; the rest create and edit the device's own patients and records.
 */
import {
  ADMIN_TOKEN,
  type Facility,
  type FromDevices,
  type LoadDevice,
  openDevice,
  patient,
  record,
  sharedPatient,
  sharedRecord,
  syncUntilOk,
  type ToDevices,
  userOf,
  wrote,
} from './load-plan.ts';

const send = (message: FromDevices): void => {
  process.send?.(message);
};

/** Push latencies (ms), every one measured, answer read whole. */
const pushLatencies: number[] = [];

const timingFetch: typeof fetch = async (input, init) => {
  const isPush = init?.method === 'POST' && String(input).includes('/v1/push');
  const started = performance.now();
  const response = await fetch(input, init);
  if (!isPush) return response;
  const body = await response.arrayBuffer();
  pushLatencies.push(performance.now() - started);
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return new Response(body, { status: response.status, headers });
};

/** A small seeded generator (mulberry32). */
const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const NAMES = ['Abena Mensah', 'Abena Mensa', 'Abena K. Mensah', 'Akosua Mensah'];
const TOWNS = ['Tamale', 'Savelugu', 'Yendi', 'Bolgatanga'];
const BATCHES = ['B-1', 'B-2', 'B-3', 'B-4'];

interface Plan {
  readonly ops: number;
  readonly syncEvery: number;
  readonly shared: number;
}

/** One device's work: `ops` writes, a sync every `syncEvery` of them. */
const work = async (device: LoadDevice, index: number, plan: Plan): Promise<void> => {
  const random = seeded(index + 1);
  const pickOf = <T>(values: readonly T[]): T => {
    const value = values[Math.floor(random() * values.length)];
    if (value === undefined) throw new Error('empty choice');
    return value;
  };
  const facility: Facility = device.user.facility;
  const own: string[] = [];
  const r = device.replica;
  for (let n = 0; n < plan.ops; n++) {
    const choice = random();
    const shared = Math.floor(random() * plan.shared);
    if (choice < 0.15) {
      wrote(
        device,
        await r.patients.update(sharedPatient(facility, shared), {
          fullName: pickOf(NAMES),
          townVillage: pickOf(TOWNS),
        }),
      );
    } else if (choice < 0.25) {
      wrote(
        device,
        await r.immunizationRecords.update(sharedRecord(facility, shared), {
          batchNumber: pickOf(BATCHES),
          notes: `n${n}`,
        }),
      );
    } else if (choice < 0.3) {
      wrote(
        device,
        await r.notifications.create({
          userId: device.user.userId,
          patientId: sharedPatient(facility, shared),
          type: 'dose_due',
          message: `m${n}`,
          read: false,
        }),
      );
    } else if (choice < 0.55 || own.length === 0) {
      const docId = `${device.id}-p${n}`;
      wrote(device, await r.patients.create(patient(`Own ${n}`, facility), docId));
      own.push(docId);
    } else if (choice < 0.8) {
      wrote(device, await r.patients.update(pickOf(own), { townVillage: pickOf(TOWNS) }));
    } else {
      wrote(device, await r.immunizationRecords.create(record(pickOf(own), facility, 1 + (n % 3))));
    }
    if ((n + 1) % plan.syncEvery === 0) await syncUntilOk(device);
  }
  await syncUntilOk(device);
};

const prop = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;

/** The server's projection, `collection/docId` → `{data, deleted}`, read as the admin. */
const projection = async (
  url: string,
): Promise<Map<string, { data: unknown; deleted: unknown }>> => {
  const docs = new Map<string, { data: unknown; deleted: unknown }>();
  let page: string | null = null;
  do {
    const path = `/v1/snapshot${page === null ? '' : `?page=${encodeURIComponent(page)}`}`;
    const response = await fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    const answer: unknown = await response.json();
    const list = prop(answer, 'docs');
    for (const doc of Array.isArray(list) ? list : []) {
      docs.set(`${String(prop(doc, 'collection'))}/${String(prop(doc, 'docId'))}`, {
        data: prop(doc, 'data'),
        deleted: prop(doc, 'deleted'),
      });
    }
    const next = prop(answer, 'nextPage');
    page = typeof next === 'string' ? next : null;
  } while (page !== null);
  return docs;
};

const COLLECTIONS = ['patients', 'immunization_records', 'notifications'] as const;

/** Each device against the projection: nothing pending, every document equal, none missing. */
const checkDevices = async (url: string, devices: readonly LoadDevice[]): Promise<string[]> => {
  const problems: string[] = [];
  const docs = await projection(url);
  for (const device of devices) {
    if ((await device.replica.status()).pending !== 0)
      problems.push(`${device.id} still has pending ops`);
    let shown = 0;
    for (const collection of COLLECTIONS) {
      for (const doc of await device.replica
        .collection(collection)
        .list({ includeDeleted: true })) {
        shown += 1;
        const onServer = docs.get(`${collection}/${doc.docId}`);
        if (JSON.stringify({ data: doc.data, deleted: doc.deleted }) !== JSON.stringify(onServer)) {
          problems.push(`${device.id} differs from the server on ${collection}/${doc.docId}`);
          break;
        }
      }
    }
    const expected = [...docs].filter(([key, doc]) => {
      const collection = key.slice(0, key.indexOf('/'));
      if (!COLLECTIONS.some((c) => c === collection)) return false;
      const facilityId = prop(doc.data, 'facilityId');
      const patientId = prop(doc.data, 'patientId');
      return (
        facilityId === device.user.facility ||
        (collection === 'notifications' &&
          typeof patientId === 'string' &&
          patientId.startsWith(`${device.user.facility}-`))
      );
    }).length;
    if (shown !== expected)
      problems.push(`${device.id} shows ${shown} documents, the server ${expected}`);
  }
  return problems;
};

/** The next message from the script. */
const next = (): Promise<ToDevices> =>
  new Promise((resolve) => process.once('message', (message) => resolve(message as ToDevices)));

const main = async (): Promise<void> => {
  const start = await next();
  if (start.kind !== 'start') throw new Error(`expected start, got ${start.kind}`);
  const devices: LoadDevice[] = [];
  for (const { index, url } of start.devices) {
    devices.push(
      await openDevice(url, `load-${start.label}-d${index}`, userOf(index), timingFetch),
    );
  }
  for (const device of devices) await syncUntilOk(device);
  const written = () => devices.reduce((sum, d) => sum + d.written.length, 0);
  const progress = setInterval(
    () => send({ kind: 'progress', ops: written(), pushes: pushLatencies.length }),
    10_000,
  );
  const started = performance.now();
  try {
    await Promise.all(
      devices.map((device, k) => work(device, start.devices[k]?.index ?? k, start)),
    );
  } finally {
    clearInterval(progress);
  }
  send({
    kind: 'written',
    written: devices.flatMap((d) => d.written),
    latencies: pushLatencies,
    seconds: (performance.now() - started) / 1000,
  });
  if ((await next()).kind !== 'settle') throw new Error('expected settle');
  for (let round = 0; round < 2; round++) {
    for (const device of devices) await syncUntilOk(device);
  }
  send({ kind: 'settled' });
  if ((await next()).kind !== 'check') throw new Error('expected check');
  const problems = await checkDevices(start.checkUrl, devices);
  for (const device of devices) await device.replica.close();
  send({ kind: 'checked', problems });
};

main().then(
  () => process.disconnect?.(),
  (error: unknown) => {
    send({
      kind: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.disconnect?.();
    process.exitCode = 1;
  },
);
