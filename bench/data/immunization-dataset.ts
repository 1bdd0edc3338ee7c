/**
 * A deterministic generator of realistic immunization data: facilities across districts, one
 * health worker (and tablet) per facility, infant patients spread evenly across the facilities,
 * and for each patient the first doses of the EPI schedule, given on schedule with realistic
 * gaps (most visits within a week of the due date, some weeks late, a few months late).
 *
 * The same configuration always gives the same ops, in the same order, on every machine: each
 * patient draws from its own seeded source, so a facility's stream does not depend on the
 * others. Ops are the JSON a device pushes (PROTOCOL.md, Operation), produced lazily so that a
 * million of them never sit in memory at once.
 */
import { EPI_SCHEDULE } from './epi-schedule.ts';
import { DISTRICTS, FACILITY_TYPES, FAMILY_NAMES, GIVEN_NAMES, VILLAGES } from './names.ts';
import { SeededRandom } from './seeded-random.ts';

/** The size and seed of a data set. */
export interface DatasetConfig {
  readonly seed: number;
  readonly facilities: number;
  readonly patients: number;
  /** Immunization records in all; spread so that every patient has 1 to 18 doses. */
  readonly records: number;
  /** The last day on which a dose may have been given (YYYY-MM-DD, in the past). */
  readonly today: string;
}

/** An op as a device sends it. */
export type RawOp = Readonly<Record<string, unknown>>;

/** A facility, its health worker, and the worker's tablet. */
export interface FacilityPlan {
  readonly index: number;
  readonly docId: string;
  readonly data: Readonly<Record<string, string>>;
  readonly workerUserId: string;
  readonly workerToken: string;
  readonly deviceId: string;
}

/** The administrator's device, which creates the facilities. */
export const ADMIN_DEVICE = 'bench-admin-console';

const DAY_MS = 86_400_000;
/** Device clocks of the generated ops start here (always in the past, so nothing is skewed). */
const CLOCK_START_MS = Date.parse('2024-01-01T00:00:00.000Z');
const MAX_DOSES = EPI_SCHEDULE.length;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The default data set of a benchmark, scaled by its patient count. */
export const datasetOf = (patients: number, records = patients * 3): DatasetConfig => ({
  seed: 20_240_601,
  facilities: Math.max(2, Math.min(200, Math.ceil(patients / 500))),
  patients,
  records,
  today: '2026-06-30',
});

/** The facilities of a data set, with their workers. */
export const facilitiesOf = (config: DatasetConfig): readonly FacilityPlan[] => {
  const random = new SeededRandom(config.seed);
  const plans: FacilityPlan[] = [];
  for (let index = 0; index < config.facilities; index++) {
    const place = random.pick(DISTRICTS);
    const type = random.pick(FACILITY_TYPES);
    const id = pad(index + 1, 4);
    plans.push({
      index,
      docId: `fac-${id}`,
      data: {
        name: `${random.pick(VILLAGES)} ${type === 'hospital' ? 'Hospital' : type === 'dispensary' ? 'Dispensary' : 'Health Centre'} ${id}`,
        district: place.district,
        region: place.region,
        type,
      },
      workerUserId: `hw-${id}`,
      workerToken: `bench-token-hw-${id}-0000000000`,
      deviceId: `tab-${id}`,
    });
  }
  return plans;
};

/** The admin's creates of every facility (device `ADMIN_DEVICE`, seqs from 1). */
export const facilityOps = (config: DatasetConfig): readonly RawOp[] =>
  facilitiesOf(config).map((facility, i) => ({
    deviceId: ADMIN_DEVICE,
    seq: i + 1,
    hlc: { ms: CLOCK_START_MS + i, n: 0 },
    collection: 'facilities',
    docId: facility.docId,
    kind: 'create',
    data: facility.data,
    ctx: {},
    schema: 1,
  }));

/**
 * How many doses patient `index` has: on average `records / patients`, the exact total kept by
 * varying pairs of patients in opposite directions.
 */
export const dosesOf = (config: DatasetConfig, index: number): number => {
  const base = Math.floor(config.records / config.patients);
  const remainder = config.records - base * config.patients;
  const own = base + (index < remainder ? 1 : 0);
  const partner = index % 2 === 0 ? index + 1 : index - 1;
  if (partner >= config.patients || partner < remainder !== index < remainder) {
    return Math.min(own, MAX_DOSES);
  }
  const spread = Math.max(0, Math.min(own - 1, MAX_DOSES - own, 4));
  const pair = new SeededRandom(config.seed ^ Math.imul(Math.floor(index / 2) + 1, 2_654_435_761));
  const delta = pair.int(0, spread);
  return index % 2 === 0 ? own + delta : own - delta;
};

/** A visit's delay after the due date, in days: mostly days, sometimes weeks, rarely months. */
const visitDelay = (random: SeededRandom): number => {
  const roll = random.next();
  if (roll < 0.7) return random.int(0, 7);
  if (roll < 0.95) return random.int(8, 30);
  return random.int(31, 120);
};

/** One dose as given: what, and when (epoch ms, midnight UTC). */
interface GivenDose {
  readonly vaccineId: string;
  readonly doseNumber: number;
  readonly atMs: number;
}

/** The patient's doses relative to birth: the first `count` of the schedule, with gaps. */
const dosesAfterBirth = (random: SeededRandom, count: number): readonly GivenDose[] => {
  const doses: GivenDose[] = [];
  let lateBy = 0;
  let visitAge = -1;
  for (const dose of EPI_SCHEDULE.slice(0, count)) {
    if (dose.ageDays !== visitAge) {
      visitAge = dose.ageDays;
      lateBy += visitDelay(random);
    }
    doses.push({
      vaccineId: dose.vaccineId,
      doseNumber: dose.doseNumber,
      atMs: (dose.ageDays + lateBy) * DAY_MS,
    });
  }
  return doses;
};

const BATCH_PREFIX: Readonly<Record<string, string>> = {
  'vac-bcg': 'BCG',
  'vac-opv': 'OPV',
  'vac-penta': 'PEN',
  'vac-pcv': 'PCV',
  'vac-rota': 'ROT',
  'vac-ipv': 'IPV',
  'vac-mr': 'MR',
  'vac-yf': 'YF',
};

/** The id of patient `index`. */
export const patientIdOf = (index: number): string => `pat-${pad(index + 1, 7)}`;

/** The data of patient `index` and its doses (absolute dates). */
const patientOf = (config: DatasetConfig, facility: FacilityPlan, index: number) => {
  const random = new SeededRandom(config.seed + Math.imul(index + 1, 40_503));
  const doses = dosesAfterBirth(random, dosesOf(config, index));
  const lastAt = doses.at(-1)?.atMs ?? 0;
  const todayMs = Date.parse(`${config.today}T00:00:00.000Z`);
  const birthMs = todayMs - lastAt - random.int(0, 365) * DAY_MS;
  const family = random.pick(FAMILY_NAMES);
  const data: Record<string, string> = {
    fullName: `${random.pick(GIVEN_NAMES)} ${family}`,
    sex: random.chance(0.49) ? 'F' : 'M',
    dateOfBirth: isoDate(birthMs),
    motherName: `${random.pick(GIVEN_NAMES)} ${family}`,
    townVillage: random.pick(VILLAGES),
    facilityId: facility.docId,
    healthWorkerId: facility.workerUserId,
  };
  if (random.chance(0.6))
    data.contactPhone = `+256 7${random.int(0, 9)}${pad(random.int(0, 9_999_999), 7)}`;
  const given = doses.map((dose) => ({
    ...dose,
    atMs: birthMs + dose.atMs,
    batchNumber: `${BATCH_PREFIX[dose.vaccineId] ?? 'VAC'}-${random.int(1000, 9999)}`,
  }));
  return { data, given };
};

/**
 * The ops of one facility's tablet, seqs from `1`: each of its patients' create followed by
 * the patient's immunization records.
 */
export function* deviceOps(config: DatasetConfig, facility: FacilityPlan): Generator<RawOp> {
  let seq = 0;
  const op = (collection: string, docId: string, data: Readonly<Record<string, unknown>>) => {
    seq += 1;
    return {
      deviceId: facility.deviceId,
      seq,
      hlc: { ms: CLOCK_START_MS + seq * 60_000, n: 0 },
      collection,
      docId,
      kind: 'create',
      data,
      ctx: {},
      schema: 1,
    };
  };
  for (let index = facility.index; index < config.patients; index += config.facilities) {
    const patientId = patientIdOf(index);
    const patient = patientOf(config, facility, index);
    yield op('patients', patientId, patient.data);
    for (const dose of patient.given) {
      yield op(
        'immunization_records',
        `imm-${pad(index + 1, 7)}-${pad(dose.doseNumber, 1)}${dose.vaccineId.slice(4)}`,
        {
          patientId,
          vaccineId: dose.vaccineId,
          doseNumber: dose.doseNumber,
          dateAdministered: isoDate(dose.atMs),
          facilityId: facility.docId,
          administeredBy: facility.workerUserId,
          batchNumber: dose.batchNumber,
        },
      );
    }
  }
}

/** Groups a stream of ops into batches of `size`. */
export function* batchesOf<A>(items: Iterable<A>, size: number): Generator<A[]> {
  let batch: A[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
