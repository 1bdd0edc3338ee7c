/**
 * The benchmarks' data generator (`bench/data`): every figure in the README is measured on its
 * data, so it must be the same on every run and machine, hold exactly the sizes it is asked for,
 * be what a clinic records (the EPI schedule, doses given on schedule with realistic gaps), and
 * be data the server accepts: a benchmark that measured rejections would measure nothing.
 */
import { test as propertyTest } from '@fast-check/vitest';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EPI_SCHEDULE } from '../../bench/data/epi-schedule.ts';
import {
  batchesOf,
  type DatasetConfig,
  datasetOf,
  deviceOps,
  dosesOf,
  facilitiesOf,
  facilityOps,
  patientIdOf,
  type RawOp,
} from '../../bench/data/immunization-dataset.ts';
import { SeededRandom } from '../../bench/data/seeded-random.ts';
import { LogBuilder } from '../../bench/harness/build-log.ts';
import { openSqliteLog } from '../../src/adapters/sqlite/sqlite-log.ts';
import { EPI_VACCINES } from '../../src/functions/reference-data.ts';
import { rightOf } from '../domain/expect-either.ts';
import { admin } from '../log/log-fixtures.ts';

const DAY_MS = 86_400_000;

/** Every op of a data set: the facilities, then each tablet's stream in turn. */
const allOps = (config: DatasetConfig): RawOp[] => [
  ...facilityOps(config),
  ...facilitiesOf(config).flatMap((facility) => [...deviceOps(config, facility)]),
];

const dataOf = (op: RawOp): Readonly<Record<string, unknown>> =>
  op.data as Readonly<Record<string, unknown>>;

const dayOf = (isoDate: unknown): number => Date.parse(`${String(isoDate)}T00:00:00.000Z`);

/** A patient's create and its immunization records, as one tablet pushes them. */
interface PatientOps {
  readonly patient: RawOp;
  readonly records: readonly RawOp[];
}

/** The patients of a data set with their records, read back from the tablets' streams. */
const patientsOf = (config: DatasetConfig): PatientOps[] => {
  const patients: { patient: RawOp; records: RawOp[] }[] = [];
  for (const facility of facilitiesOf(config)) {
    for (const op of deviceOps(config, facility)) {
      if (op.collection === 'patients') patients.push({ patient: op, records: [] });
      else patients.at(-1)?.records.push(op);
    }
  }
  return patients;
};

const small: DatasetConfig = { ...datasetOf(600), facilities: 3 };

describe('the seeded random source', () => {
  it('gives the same sequence for the same seed, and another for another seed', () => {
    const draw = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 50 }, () => random.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(7).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  propertyTest.prop([fc.integer(), fc.integer({ min: -50, max: 50 }), fc.nat(40)])(
    'draws whole numbers within the bounds it is given, both included',
    (seed, min, width) => {
      const random = new SeededRandom(seed);
      for (let i = 0; i < 40; i++) {
        const n = random.int(min, min + width);
        expect(Number.isInteger(n) && n >= min && n <= min + width).toBe(true);
      }
    },
  );
});

describe('the data set', () => {
  it('is the same ops in the same order on every run', () => {
    expect(JSON.stringify(allOps(small))).toBe(JSON.stringify(allOps(small)));
    expect(JSON.stringify(allOps({ ...small, seed: small.seed + 1 }))).not.toBe(
      JSON.stringify(allOps(small)),
    );
  });

  it('holds exactly the facilities, patients and records it is asked for', () => {
    const patients = patientsOf(small);
    expect(facilitiesOf(small)).toHaveLength(small.facilities);
    expect(patients).toHaveLength(small.patients);
    expect(patients.reduce((n, p) => n + p.records.length, 0)).toBe(small.records);
    expect(new Set(patients.map((p) => p.patient.docId)).size).toBe(small.patients);
    const recordIds = patients.flatMap((p) => p.records.map((r) => r.docId));
    expect(new Set(recordIds).size).toBe(recordIds.length);
  });

  propertyTest.prop(
    [
      fc
        .integer({ min: 1, max: 400 })
        .chain((patients) =>
          fc.tuple(fc.constant(patients), fc.integer({ min: patients, max: patients * 18 })),
        ),
      fc.integer(),
    ],
    { numRuns: 200 },
  )(
    'gives every patient 1 to 18 doses, and the records asked for in all',
    ([patients, records], seed) => {
      const config: DatasetConfig = { ...datasetOf(patients, records), seed };
      let total = 0;
      for (let index = 0; index < patients; index++) {
        const doses = dosesOf(config, index);
        expect(doses).toBeGreaterThanOrEqual(1);
        expect(doses).toBeLessThanOrEqual(EPI_SCHEDULE.length);
        total += doses;
      }
      expect(total).toBe(records);
    },
  );

  it("numbers each tablet's ops from 1, in order, all of that tablet and its facility", () => {
    for (const facility of facilitiesOf(small)) {
      const ops = [...deviceOps(small, facility)];
      expect(ops.map((op) => op.seq)).toEqual(ops.map((_, i) => i + 1));
      expect(ops.every((op) => op.deviceId === facility.deviceId)).toBe(true);
      expect(ops.every((op) => dataOf(op).facilityId === facility.docId)).toBe(true);
      const clocks = ops.map((op) => (op.hlc as { ms: number }).ms);
      expect(clocks).toEqual([...clocks].sort((a, b) => a - b));
    }
  });

  it('batches a stream in order, the last batch holding what is left', () => {
    expect([...batchesOf([1, 2, 3, 4, 5], 2)]).toEqual([[1, 2], [3, 4], [5]]);
    expect([...batchesOf([], 3)]).toEqual([]);
    expect(patientIdOf(41)).toBe('pat-0000042');
  });
});

describe('the schedule and the doses', () => {
  const vaccines = new Map(
    EPI_VACCINES.map((v) => [v.docId, v.data as { doses: number; minIntervalDays: number | null }]),
  );

  it("is the server's reference vaccines, each dose in order and due no earlier than the last", () => {
    const seen = new Map<string, number>();
    let age = 0;
    for (const dose of EPI_SCHEDULE) {
      const vaccine = vaccines.get(dose.vaccineId);
      expect(vaccine, dose.vaccineId).toBeDefined();
      expect(dose.doseNumber).toBe((seen.get(dose.vaccineId) ?? 0) + 1);
      expect(dose.doseNumber).toBeLessThanOrEqual(vaccine?.doses ?? 0);
      expect(dose.ageDays).toBeGreaterThanOrEqual(age);
      seen.set(dose.vaccineId, dose.doseNumber);
      age = dose.ageDays;
    }
    expect([...seen.keys()].sort()).toEqual([...vaccines.keys()].sort());
  });

  it('gives the doses of the schedule on or after their due age, keeping the minimum intervals, before today', () => {
    // Enough records that many patients have the whole schedule.
    const full: DatasetConfig = { ...datasetOf(400, 400 * 15), facilities: 2 };
    const patients = patientsOf(full);
    expect(patients.filter((p) => p.records.length === EPI_SCHEDULE.length).length).toBeGreaterThan(
      50,
    );
    const today = dayOf(full.today);
    for (const { patient, records } of patients) {
      const born = dayOf(dataOf(patient).dateOfBirth);
      const last = new Map<string, number>();
      records.forEach((record, i) => {
        const data = dataOf(record);
        const due = EPI_SCHEDULE[i];
        const given = dayOf(data.dateAdministered);
        expect(data.patientId).toBe(patient.docId);
        expect([data.vaccineId, data.doseNumber]).toEqual([due?.vaccineId, due?.doseNumber]);
        expect(given - born).toBeGreaterThanOrEqual((due?.ageDays ?? 0) * DAY_MS);
        expect(given).toBeLessThanOrEqual(today);
        const before = last.get(String(data.vaccineId));
        const interval = vaccines.get(String(data.vaccineId))?.minIntervalDays ?? 0;
        if (before !== undefined) expect(given - before).toBeGreaterThanOrEqual(interval * DAY_MS);
        last.set(String(data.vaccineId), given);
      });
    }
  });

  it('has most visits within a week of their due date, some weeks late and a few months late', () => {
    // The delay each visit adds to the patient's lateness: the schedule's visits are the ages
    // at which doses fall due together.
    const delays: number[] = [];
    for (const { patient, records } of patientsOf(datasetOf(3000))) {
      const born = dayOf(dataOf(patient).dateOfBirth);
      let lateBefore = 0;
      let visitAge = -1;
      records.forEach((record, i) => {
        const due = EPI_SCHEDULE[i];
        if (due === undefined || due.ageDays === visitAge) return;
        visitAge = due.ageDays;
        const late = (dayOf(dataOf(record).dateAdministered) - born) / DAY_MS - due.ageDays;
        delays.push(late - lateBefore);
        lateBefore = late;
      });
    }
    const share = (test: (days: number) => boolean) => delays.filter(test).length / delays.length;
    expect(delays.length).toBeGreaterThan(5000);
    expect(share((d) => d <= 7)).toBeGreaterThan(0.65);
    expect(share((d) => d <= 7)).toBeLessThan(0.75);
    expect(share((d) => d > 30)).toBeGreaterThan(0.03);
    expect(share((d) => d > 30)).toBeLessThan(0.07);
    expect(Math.max(...delays)).toBeLessThanOrEqual(120);
  });
});

describe('the data set in a real log', () => {
  it('is accepted op by op by the append path, and holds the documents it describes', async () => {
    const config: DatasetConfig = { ...datasetOf(300), facilities: 3 };
    const log = await openSqliteLog({ path: ':memory:' });
    try {
      const builder = new LogBuilder(config);
      await builder.seed(log);
      // `LogBuilder` throws on any answer other than `accepted`.
      await builder.next(log, Number.POSITIVE_INFINITY);
      const counts = new Map<string, number>();
      let page: string | undefined;
      do {
        const answer = rightOf(await log.snapshot(admin, page, 1000));
        for (const doc of answer.docs) {
          counts.set(doc.collection, (counts.get(doc.collection) ?? 0) + 1);
        }
        page = answer.nextPage ?? undefined;
      } while (page !== undefined);
      expect(counts.get('patients')).toBe(config.patients);
      expect(counts.get('immunization_records')).toBe(config.records);
      expect(counts.get('vaccines')).toBe(EPI_VACCINES.length);
      const report = await log.verify();
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
    } finally {
      await log.close();
    }
  });
});
