import { fc, test } from '@fast-check/vitest';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect } from 'vitest';
import { deviceIdArb } from '../../src/domain/arbitraries.ts';
import type { DocumentView } from '../../src/domain/document-view.ts';
import type { OpError } from '../../src/domain/errors.ts';
import type { Operation } from '../../src/domain/operation.ts';
import { checkBusinessRules, type OpFlag, type RuleContext } from '../../src/domain/rules.ts';
import type { VersionVector } from '../../src/domain/version-vector.ts';
import { leftOf } from './expect-either.ts';
import {
  anOp,
  DAY_AFTER_TOMORROW,
  DEVICE,
  facilityData,
  lookupOf,
  NOW,
  notificationData,
  patientData,
  recordData,
  TODAY,
  TOMORROW,
  vaccineData,
  viewOf,
} from './fixtures.ts';

const RUNS = { numRuns: 200 };
const DAY = 86_400_000;

/** The `YYYY-MM-DD` of a day counted from 1970-01-01 (UTC), written apart from the module's own. */
const dateOfDay = (day: number): string => new Date(day * DAY).toISOString().slice(0, 10);
const dayOf = (date: string): number => Date.parse(`${date}T00:00:00.000Z`) / DAY;

/** The version vector of rec-1: what the log holds of each device on it. */
const REC_VV: VersionVector = { [DEVICE]: 3, 'web-sup': 2 };

const DOCS: readonly DocumentView[] = [
  viewOf('facilities', 'fac-a', facilityData),
  viewOf('facilities', 'fac-closed', facilityData, { deleted: true }),
  viewOf('vaccines', 'vac-bcg', { name: 'BCG', code: 'BCG', doses: 1 }),
  viewOf('vaccines', 'vac-penta', vaccineData),
  viewOf('vaccines', 'vac-withdrawn', vaccineData, { deleted: true }),
  viewOf('patients', 'pat-a', patientData),
  viewOf('patients', 'pat-young', { ...patientData, dateOfBirth: '2025-01-01' }),
  viewOf('patients', 'pat-gone', patientData, { deleted: true }),
  viewOf('immunization_records', 'rec-1', recordData, { vv: REC_VV }),
  viewOf('immunization_records', 'rec-2', { ...recordData, doseNumber: 2 }),
  viewOf('immunization_records', 'rec-gone', recordData, { deleted: true }),
  viewOf('notifications', 'note-1', notificationData),
];

interface DoseCall {
  readonly patientId: string;
  readonly vaccineId: string;
  readonly doseNumber: number;
  readonly docId: string;
}

/** A rule context over `docs`, whose `duplicateDose` answers `duplicate` and records its calls. */
const contextOf = (
  docs: readonly DocumentView[] = DOCS,
  options: { readonly now?: number; readonly duplicate?: boolean } = {},
): RuleContext & { readonly calls: DoseCall[] } => {
  const calls: DoseCall[] = [];
  return {
    ...lookupOf(docs),
    now: options.now ?? NOW,
    recordsOfPatient: (patientId) =>
      docs.filter(
        (d) =>
          d.collection === 'immunization_records' && !d.deleted && d.data.patientId === patientId,
      ),
    duplicateDose: (patientId, vaccineId, doseNumber, docId) => {
      calls.push({ patientId, vaccineId, doseNumber, docId });
      return options.duplicate ?? false;
    },
    calls,
  };
};

/** The rules for `op`, against its document as `ctx` holds it. */
const check = (
  op: Operation,
  ctx: RuleContext = contextOf(),
): E.Either<OpError, readonly OpFlag[]> =>
  checkBusinessRules(op, ctx.document(op.collection, op.docId), ctx);

/** The path of the `invalid` error the rules give `op`; fails the test if they accept it. */
const invalidAt = (op: Operation, ctx?: RuleContext): string | undefined => {
  const error = leftOf(check(op, ctx));
  expect(error.code).toBe('invalid');
  expect(error.message).not.toBe('');
  return error.path;
};

const createRecord = (fields: Readonly<Record<string, unknown>> = {}): Operation =>
  anOp({
    collection: 'immunization_records',
    docId: 'rec-new',
    kind: 'create',
    data: { ...recordData, ...fields },
  });

const updateRecord = (
  data: Readonly<Record<string, unknown>>,
  envelope: Readonly<Record<string, unknown>> = {},
): Operation =>
  anOp({ collection: 'immunization_records', docId: 'rec-1', kind: 'update', data, ...envelope });

const createPatient = (fields: Readonly<Record<string, unknown>> = {}): Operation =>
  anOp({
    collection: 'patients',
    docId: 'pat-new',
    kind: 'create',
    data: { ...patientData, ...fields },
  });

describe('valid ops', () => {
  test.each([
    [
      'a facility create',
      anOp({ collection: 'facilities', docId: 'fac-new', kind: 'create', data: facilityData }),
    ],
    [
      'a vaccine create',
      anOp({ collection: 'vaccines', docId: 'vac-new', kind: 'create', data: vaccineData }),
    ],
    ['a patient create', createPatient()],
    ['a record create', createRecord()],
    [
      'a notification create',
      anOp({
        collection: 'notifications',
        docId: 'note-new',
        kind: 'create',
        data: notificationData,
      }),
    ],
    [
      'a notification create without a patient',
      anOp({
        collection: 'notifications',
        docId: 'note-new',
        kind: 'create',
        data: { ...notificationData, patientId: null },
      }),
    ],
    [
      'a record update that has seen every logged op',
      updateRecord({ batchNumber: 'B-2291' }, { ctx: REC_VV }),
    ],
    [
      'a record delete',
      anOp({ collection: 'immunization_records', docId: 'rec-1', kind: 'delete' }),
    ],
    [
      'a restore of a deleted record',
      anOp({ collection: 'immunization_records', docId: 'rec-gone', kind: 'restore' }),
    ],
    [
      'a restore of a record that is not deleted',
      anOp({ collection: 'immunization_records', docId: 'rec-1', kind: 'restore' }),
    ],
    [
      'an update of a deleted record',
      anOp({
        collection: 'immunization_records',
        docId: 'rec-gone',
        kind: 'update',
        data: { notes: 'late entry' },
      }),
    ],
    [
      'a notification marked read',
      anOp({ collection: 'notifications', docId: 'note-1', kind: 'update', data: { read: true } }),
    ],
  ] as const)('%s passes the rules with no flags', (_, op) => {
    expect(check(op)).toEqual(E.right([]));
  });
});

describe('event dates', () => {
  test.each([
    ['dateOfBirth', createPatient({ dateOfBirth: DAY_AFTER_TOMORROW })],
    [
      'dateOfBirth',
      anOp({
        collection: 'patients',
        docId: 'pat-a',
        kind: 'update',
        data: { dateOfBirth: DAY_AFTER_TOMORROW },
      }),
    ],
    ['dateAdministered', createRecord({ dateAdministered: DAY_AFTER_TOMORROW })],
    ['dateAdministered', updateRecord({ dateAdministered: DAY_AFTER_TOMORROW })],
  ] as const)('a %s two days after the server date is invalid at data.%s', (field, op) => {
    expect(invalidAt(op)).toBe(`data.${field}`);
  });

  test.each([TODAY, TOMORROW])(
    'a dateOfBirth of %s (up to the server date plus one day) passes',
    (date) => {
      expect(check(createPatient({ dateOfBirth: date }))).toEqual(E.right([]));
    },
  );

  test.each([TODAY, TOMORROW])(
    'a dateAdministered of %s (up to the server date plus one day) passes',
    (date) => {
      expect(check(createRecord({ dateAdministered: date }))).toEqual(E.right([]));
    },
  );

  test('the server date is the UTC date of its clock, just before midnight too', () => {
    const lateEvening = contextOf(DOCS, { now: Date.parse(`${TODAY}T23:59:59.999Z`) });
    expect(check(createPatient({ dateOfBirth: TOMORROW }), lateEvening)).toEqual(E.right([]));
    expect(invalidAt(createPatient({ dateOfBirth: DAY_AFTER_TOMORROW }), lateEvening)).toBe(
      'data.dateOfBirth',
    );
  });

  test('a dueDate may lie years ahead', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, dueDate: '2031-01-01' },
    });
    expect(check(op)).toEqual(E.right([]));
  });

  test("a dateAdministered before the patient's dateOfBirth is invalid", () => {
    expect(invalidAt(createRecord({ dateAdministered: '2024-01-09' }))).toBe(
      'data.dateAdministered',
    );
  });

  test("a dateAdministered on the patient's dateOfBirth passes", () => {
    expect(check(createRecord({ dateAdministered: patientData.dateOfBirth }))).toEqual(E.right([]));
  });

  test("an update of dateAdministered alone is checked against the current patient's birth", () => {
    expect(invalidAt(updateRecord({ dateAdministered: '2023-12-31' }))).toBe(
      'data.dateAdministered',
    );
  });

  test('moving a record to a patient born after it was given is invalid at data.dateAdministered', () => {
    expect(invalidAt(updateRecord({ patientId: 'pat-young' }))).toBe('data.dateAdministered');
  });

  const moveBirth = (dateOfBirth: string): Operation =>
    anOp({ collection: 'patients', docId: 'pat-a', kind: 'update', data: { dateOfBirth } });

  test("moving a patient's dateOfBirth after one of its doses is invalid at data.dateOfBirth", () => {
    // rec-1 was given on 2024-02-21.
    expect(invalidAt(moveBirth('2024-02-22'))).toBe('data.dateOfBirth');
    expect(leftOf(check(moveBirth('2024-02-22'))).message).toContain('rec-1');
  });

  test("moving a patient's dateOfBirth to its first dose's day, or earlier, passes", () => {
    expect(check(moveBirth('2024-02-21'))).toEqual(E.right([]));
    expect(check(moveBirth('2023-12-01'))).toEqual(E.right([]));
  });

  test("a deleted record does not hold a patient's dateOfBirth back", () => {
    const docs = DOCS.map((d) =>
      d.collection === 'immunization_records' && d.docId !== 'rec-gone'
        ? { ...d, deleted: true }
        : d,
    );
    expect(check(moveBirth('2025-01-01'), contextOf(docs))).toEqual(E.right([]));
  });
});

describe('references', () => {
  test.each([
    [
      'a record of a patient that does not exist',
      createRecord({ patientId: 'pat-none' }),
      'data.patientId',
    ],
    ['a record of a deleted patient', createRecord({ patientId: 'pat-gone' }), 'data.patientId'],
    [
      'a record of a vaccine that does not exist',
      createRecord({ vaccineId: 'vac-none' }),
      'data.vaccineId',
    ],
    [
      'a record of a deleted vaccine',
      createRecord({ vaccineId: 'vac-withdrawn' }),
      'data.vaccineId',
    ],
    [
      'a record at a facility that does not exist',
      createRecord({ facilityId: 'fac-none' }),
      'data.facilityId',
    ],
    [
      'a record at a deleted facility',
      createRecord({ facilityId: 'fac-closed' }),
      'data.facilityId',
    ],
    [
      'an update of a record to a deleted vaccine',
      updateRecord({ vaccineId: 'vac-withdrawn' }),
      'data.vaccineId',
    ],
    [
      'a patient at a facility that does not exist',
      createPatient({ facilityId: 'fac-none' }),
      'data.facilityId',
    ],
    [
      'a patient at a deleted facility',
      createPatient({ facilityId: 'fac-closed' }),
      'data.facilityId',
    ],
    [
      'a transfer to a facility that does not exist',
      anOp({
        collection: 'patients',
        docId: 'pat-a',
        kind: 'update',
        data: { facilityId: 'fac-none' },
      }),
      'data.facilityId',
    ],
    [
      'a notification about a patient that does not exist',
      anOp({
        collection: 'notifications',
        docId: 'note-new',
        kind: 'create',
        data: { ...notificationData, patientId: 'pat-none' },
      }),
      'data.patientId',
    ],
    [
      'a notification about a deleted patient',
      anOp({
        collection: 'notifications',
        docId: 'note-1',
        kind: 'update',
        data: { patientId: 'pat-gone' },
      }),
      'data.patientId',
    ],
  ] as const)('%s is invalid at %s', (_, op, path) => {
    expect(invalidAt(op)).toBe(path);
  });

  test('a reference created earlier in the batch (the look-up holds it) passes', () => {
    const ctx = contextOf([...DOCS, viewOf('patients', 'pat-new', patientData)]);
    expect(check(createRecord({ patientId: 'pat-new' }), ctx)).toEqual(E.right([]));
  });
});

describe('doseNumber', () => {
  test("a doseNumber above the vaccine's doses is invalid", () => {
    expect(invalidAt(createRecord({ doseNumber: 4 }))).toBe('data.doseNumber');
    expect(invalidAt(createRecord({ vaccineId: 'vac-bcg', doseNumber: 2 }))).toBe(
      'data.doseNumber',
    );
  });

  test("a doseNumber equal to the vaccine's doses passes", () => {
    expect(check(createRecord({ doseNumber: 3 }))).toEqual(E.right([]));
    expect(check(createRecord({ vaccineId: 'vac-bcg', doseNumber: 1 }))).toEqual(E.right([]));
  });

  test("an update of doseNumber alone is checked against the current vaccine's doses", () => {
    expect(invalidAt(updateRecord({ doseNumber: 4 }))).toBe('data.doseNumber');
  });

  test('an update of the vaccine is checked against the current doseNumber', () => {
    expect(check(updateRecord({ vaccineId: 'vac-bcg' }))).toEqual(E.right([]));
    const rec2 = anOp({
      collection: 'immunization_records',
      docId: 'rec-2',
      kind: 'update',
      data: { vaccineId: 'vac-bcg' },
    });
    expect(invalidAt(rec2)).toBe('data.doseNumber');
  });
});

describe('existence', () => {
  test('a create of an id that exists is invalid at docId', () => {
    expect(
      invalidAt(
        anOp({
          collection: 'immunization_records',
          docId: 'rec-1',
          kind: 'create',
          data: recordData,
        }),
      ),
    ).toBe('docId');
  });

  test('a create of the id of a deleted document is invalid at docId', () => {
    expect(
      invalidAt(
        anOp({ collection: 'patients', docId: 'pat-gone', kind: 'create', data: patientData }),
      ),
    ).toBe('docId');
  });

  test('a create of an id used in another collection passes', () => {
    expect(
      check(anOp({ collection: 'patients', docId: 'rec-1', kind: 'create', data: patientData })),
    ).toEqual(E.right([]));
  });

  test.each([
    ['update', { data: { batchNumber: 'B-2291' } }],
    ['delete', {}],
    ['restore', {}],
  ] as const)('an %s of a document never created is invalid at docId', (kind, extra) => {
    const op = anOp({ collection: 'immunization_records', docId: 'rec-none', kind, ...extra });
    expect(invalidAt(op)).toBe('docId');
  });
});

describe('causal context', () => {
  test('an entry of another device above its logged ops is invalid at ctx.<device>', () => {
    expect(invalidAt(updateRecord({ notes: 'x' }, { ctx: { 'web-sup': 3 } }))).toBe('ctx.web-sup');
  });

  test('an entry of a device with no logged op on the document is invalid', () => {
    expect(invalidAt(updateRecord({ notes: 'x' }, { ctx: { 'phone-9': 1 } }))).toBe('ctx.phone-9');
  });

  test.each(['constructor', 'toString', 'valueOf'])(
    'a device named %s, like a property every object inherits, is checked like any other',
    (device) => {
      expect(invalidAt(updateRecord({ notes: 'x' }, { ctx: { [device]: 1 } }))).toBe(
        `ctx.${device}`,
      );
    },
  );

  test('a zero entry of a device with no logged op passes', () => {
    expect(check(updateRecord({ notes: 'x' }, { ctx: { 'phone-9': 0 } }))).toEqual(E.right([]));
  });

  test('a create whose context names another device is invalid, as nothing of the document is logged', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-new',
      kind: 'create',
      data: recordData,
      ctx: { 'web-sup': 1 },
    });
    expect(invalidAt(op)).toBe('ctx.web-sup');
  });

  test.each([12, 13, 1000])('an own entry of %i, not below the seq 12, is invalid', (own) => {
    expect(invalidAt(updateRecord({ notes: 'x' }, { ctx: { [DEVICE]: own } }))).toBe(
      `ctx.${DEVICE}`,
    );
  });

  test('an own entry below the seq passes, even above what the log holds of the device', () => {
    expect(check(updateRecord({ notes: 'x' }, { ctx: { [DEVICE]: 11 } }))).toEqual(E.right([]));
  });

  test('a create may name earlier ops of its own device', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-new',
      kind: 'create',
      data: recordData,
      ctx: { [DEVICE]: 11 },
    });
    expect(check(op)).toEqual(E.right([]));
  });

  /** A version vector of other devices than the author, and an op seq. */
  const vvArb: fc.Arbitrary<VersionVector> = fc.dictionary(
    deviceIdArb().filter((d) => d !== DEVICE),
    fc.integer({ min: 1, max: 1000 }),
    { maxKeys: 6 },
  );

  /** A context that has seen at most what the log holds of each device, and its own earlier ops. */
  const coveredCtxArb = (vv: VersionVector, seq: number): fc.Arbitrary<VersionVector> =>
    fc
      .tuple(
        fc.tuple(
          ...Object.entries(vv).map(([device, logged]) =>
            fc
              .option(fc.integer({ min: 0, max: logged }), { nil: undefined })
              .map((s) => [device, s] as const),
          ),
        ),
        fc.option(fc.integer({ min: 0, max: seq - 1 }), { nil: undefined }),
      )
      .map(([entries, own]) => {
        const ctx: Record<string, number> = {};
        for (const [device, s] of entries) if (s !== undefined) ctx[device] = s;
        if (own !== undefined) ctx[DEVICE] = own;
        return ctx;
      });

  const withVv = (vv: VersionVector): RuleContext =>
    contextOf([
      ...DOCS.filter((d) => d.docId !== 'rec-1'),
      viewOf('immunization_records', 'rec-1', recordData, { vv }),
    ]);

  test.prop(
    [
      fc
        .tuple(vvArb, fc.integer({ min: 1, max: 100_000 }))
        .chain(([vv, seq]) => fc.tuple(fc.constant(vv), fc.constant(seq), coveredCtxArb(vv, seq))),
    ],
    RUNS,
  )('a context within the logged ops and below its own seq passes', ([vv, seq, ctx]) => {
    expect(check(updateRecord({ notes: 'x' }, { seq, ctx }), withVv(vv))).toEqual(E.right([]));
  });

  test.prop(
    [
      fc
        .tuple(
          vvArb,
          fc.integer({ min: 1, max: 100_000 }),
          deviceIdArb(),
          fc.integer({ min: 1, max: 1000 }),
        )
        .filter(([, , device]) => device !== DEVICE)
        .chain(([vv, seq, fresh, excess]) =>
          fc.tuple(
            fc.constant(vv),
            fc.constant(seq),
            coveredCtxArb(vv, seq),
            fc.constantFrom(fresh, ...Object.keys(vv)),
            fc.constant(excess),
          ),
        ),
    ],
    RUNS,
  )(
    'a context with one other device above its logged ops fails at exactly that device',
    ([vv, seq, ctx, device, excess]) => {
      const logged = Object.hasOwn(vv, device) ? (vv[device] ?? 0) : 0;
      const forged = { ...ctx, [device]: logged + excess };
      expect(invalidAt(updateRecord({ notes: 'x' }, { seq, ctx: forged }), withVv(vv))).toBe(
        `ctx.${device}`,
      );
    },
  );
});

describe('possible duplicates', () => {
  test('a record create of a dose that exists already is flagged possible_duplicate', () => {
    const ctx = contextOf(DOCS, { duplicate: true });
    expect(check(createRecord(), ctx)).toEqual(E.right(['possible_duplicate']));
    expect(ctx.calls).toEqual([
      { patientId: 'pat-a', vaccineId: 'vac-penta', doseNumber: 1, docId: 'rec-new' },
    ]);
  });

  test('a record create of a new dose is not flagged', () => {
    const ctx = contextOf(DOCS, { duplicate: false });
    expect(check(createRecord({ doseNumber: 2 }), ctx)).toEqual(E.right([]));
    expect(ctx.calls).toHaveLength(1);
  });

  test('an update of the dose asks about the dose it makes, with the document as it will be', () => {
    const ctx = contextOf(DOCS, { duplicate: true });
    expect(check(updateRecord({ doseNumber: 2 }), ctx)).toEqual(E.right(['possible_duplicate']));
    expect(ctx.calls).toEqual([
      { patientId: 'pat-a', vaccineId: 'vac-penta', doseNumber: 2, docId: 'rec-1' },
    ]);
  });

  test('an update that leaves patient, vaccine and dose alone is not flagged', () => {
    const ctx = contextOf(DOCS, { duplicate: true });
    expect(check(updateRecord({ batchNumber: 'B-2291' }), ctx)).toEqual(E.right([]));
    expect(ctx.calls).toEqual([]);
  });

  test.each(['delete', 'restore'] as const)('a %s of a record is not flagged', (kind) => {
    const ctx = contextOf(DOCS, { duplicate: true });
    expect(check(anOp({ collection: 'immunization_records', docId: 'rec-1', kind }), ctx)).toEqual(
      E.right([]),
    );
  });

  test('ops of other collections are not flagged', () => {
    const ctx = contextOf(DOCS, { duplicate: true });
    expect(check(createPatient(), ctx)).toEqual(E.right([]));
    expect(ctx.calls).toEqual([]);
  });

  test('a duplicate that breaks a rule gets the rule, not the flag', () => {
    const ctx = contextOf(DOCS, { duplicate: true });
    expect(invalidAt(createRecord({ doseNumber: 4 }), ctx)).toBe('data.doseNumber');
  });
});

describe('the order of the checks', () => {
  test.each([
    [
      'existence before the context',
      anOp({
        collection: 'immunization_records',
        docId: 'rec-1',
        kind: 'create',
        data: recordData,
        ctx: { 'phone-9': 5 },
      }),
      'docId',
    ],
    [
      'existence of a never-created document before the context',
      anOp({
        collection: 'immunization_records',
        docId: 'rec-none',
        kind: 'delete',
        ctx: { 'phone-9': 5 },
      }),
      'docId',
    ],
    [
      'the context before references',
      updateRecord({ patientId: 'pat-none' }, { ctx: { 'phone-9': 5 } }),
      'ctx.phone-9',
    ],
    [
      'references before future dates',
      createRecord({ vaccineId: 'vac-none', dateAdministered: DAY_AFTER_TOMORROW }),
      'data.vaccineId',
    ],
    [
      'references before a dateOfBirth in the future',
      createPatient({ facilityId: 'fac-none', dateOfBirth: DAY_AFTER_TOMORROW }),
      'data.facilityId',
    ],
    [
      'a future date before the dose number',
      createRecord({ doseNumber: 4, dateAdministered: DAY_AFTER_TOMORROW }),
      'data.dateAdministered',
    ],
    [
      "a date before the patient's birth before the dose number",
      createRecord({ doseNumber: 4, dateAdministered: '2023-06-01' }),
      'data.dateAdministered',
    ],
  ] as const)('%s: the first failure is the answer', (_, op, path) => {
    expect(invalidAt(op)).toBe(path);
  });
});

describe('date properties', () => {
  const today = dayOf(TODAY);
  const patientBorn = (dob: string): RuleContext =>
    contextOf([...DOCS, viewOf('patients', 'pat-p', { ...patientData, dateOfBirth: dob })]);

  test.prop(
    [
      fc
        .integer({ min: dayOf('1950-01-01'), max: today + 1 })
        .chain((born) => fc.tuple(fc.constant(born), fc.integer({ min: born, max: today + 1 }))),
    ],
    RUNS,
  )('a dateAdministered on or after the birth and at most a day ahead passes', ([born, given]) => {
    const op = createRecord({ patientId: 'pat-p', dateAdministered: dateOfDay(given) });
    expect(check(op, patientBorn(dateOfDay(born)))).toEqual(E.right([]));
  });

  test.prop(
    [
      fc
        .integer({ min: dayOf('1950-01-02'), max: today + 1 })
        .chain((born) =>
          fc.tuple(fc.constant(born), fc.integer({ min: dayOf('1900-01-01'), max: born - 1 })),
        ),
    ],
    RUNS,
  )('a dateAdministered before the birth fails at data.dateAdministered', ([born, given]) => {
    const op = createRecord({ patientId: 'pat-p', dateAdministered: dateOfDay(given) });
    expect(invalidAt(op, patientBorn(dateOfDay(born)))).toBe('data.dateAdministered');
  });

  test.prop([fc.integer({ min: today + 2, max: dayOf('2099-12-31') })], RUNS)(
    'a dateAdministered more than a day ahead fails at data.dateAdministered',
    (given) => {
      expect(invalidAt(createRecord({ dateAdministered: dateOfDay(given) }))).toBe(
        'data.dateAdministered',
      );
    },
  );

  test.prop(
    [
      fc.integer({
        min: Date.parse('2000-01-01T00:00:00Z'),
        max: Date.parse('2090-12-31T23:59:59Z'),
      }),
    ],
    RUNS,
  )('at any server time, a birth the next day passes and one two days ahead fails', (now) => {
    const ctx = contextOf(DOCS, { now });
    const serverDay = Math.floor(now / DAY);
    expect(check(createPatient({ dateOfBirth: dateOfDay(serverDay + 1) }), ctx)).toEqual(
      E.right([]),
    );
    expect(invalidAt(createPatient({ dateOfBirth: dateOfDay(serverDay + 2) }), ctx)).toBe(
      'data.dateOfBirth',
    );
  });

  test.prop([fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 10 })], RUNS)(
    "a doseNumber passes exactly when it is at most the vaccine's doses",
    (doses, dose) => {
      const ctx = contextOf([...DOCS, viewOf('vaccines', 'vac-p', { ...vaccineData, doses })]);
      const result = check(createRecord({ vaccineId: 'vac-p', doseNumber: dose }), ctx);
      if (dose <= doses) expect(result).toEqual(E.right([]));
      else expect(leftOf(result).path).toBe('data.doseNumber');
    },
  );
});
