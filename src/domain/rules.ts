/**
 * The business rules an op must keep to be appended (PROTOCOL.md, Collections), as a pure
 * function over the op, its document as it stands, and a look-up of the documents it refers to.
 *
 * Invariants:
 * 1. Checks run in a fixed order and the first failure is the answer, `invalid` with a path.
 * 2. The causal context is checked against the document's logged ops (DESIGN.md section 3,
 *    "Causal contexts are checked at push"), so a forged context cannot make two ops each see
 *    the other.
 * 3. Dates of events (birth, administration) are not after the server's date plus one day, and
 *    no dose of a patient's records is before the patient's birth, whichever op moves which.
 * 4. The rules never look at who wrote the op: that is `permissions.ts`.
 */
import * as E from 'fp-ts/lib/Either.js';
import { COLLECTIONS } from './collections.ts';
import {
  type DocumentLookup,
  type DocumentView,
  effectiveData,
  numberField,
  stringField,
} from './document-view.ts';
import { invalid, type OpError } from './errors.ts';
import { dataOf, type Operation } from './operation.ts';
import { addDays, calendarDateOf } from './scalars.ts';
import { get } from './version-vector.ts';

/** Marks an op's audit record with something a reviewer should know. */
export type OpFlag = 'possible_duplicate' | 'skewed' | 'upcast';

export interface RuleContext extends DocumentLookup {
  /** Server time, epoch ms. */
  readonly now: number;
  /** The patient's immunization records that are not deleted, as they stand. */
  readonly recordsOfPatient: (patientId: string) => readonly DocumentView[];
  /** True when another record of the same patient, vaccine and dose exists (not this document). */
  readonly duplicateDose: (
    patientId: string,
    vaccineId: string,
    doseNumber: number,
    docId: string,
  ) => boolean;
}

/** Fields that record events, which cannot lie in the future. */
const EVENT_DATES = ['dateOfBirth', 'dateAdministered'];

const checkExistence = (op: Operation, current: DocumentView | undefined): OpError | undefined => {
  if (op.kind === 'create' && current !== undefined) {
    return invalid(`${op.collection} ${op.docId} exists already`, 'docId');
  }
  if (op.kind !== 'create' && current === undefined) {
    return invalid(`${op.collection} ${op.docId} was never created`, 'docId');
  }
  return undefined;
};

const checkContext = (op: Operation, current: DocumentView | undefined): OpError | undefined => {
  for (const [deviceId, seq] of Object.entries(op.ctx)) {
    if (deviceId === op.deviceId) {
      if (seq >= op.seq)
        return invalid('the context of an op is below its own seq', `ctx.${deviceId}`);
      continue;
    }
    const logged = current === undefined ? 0 : get(current.vv, deviceId);
    if (seq > logged) {
      return invalid(
        `the context claims op ${deviceId}:${seq}, but this document has only up to ${logged} of that device`,
        `ctx.${deviceId}`,
      );
    }
  }
  return undefined;
};

const checkReferences = (op: Operation, ctx: RuleContext): OpError | undefined => {
  const spec = COLLECTIONS[op.collection];
  for (const [field, value] of Object.entries(dataOf(op))) {
    const target = Object.hasOwn(spec.references, field) ? spec.references[field] : undefined;
    if (target === undefined || typeof value !== 'string') continue;
    const doc = ctx.document(target, value);
    if (doc === undefined || doc.deleted) {
      return invalid(`${field} ${value} is not an existing ${target} document`, `data.${field}`);
    }
  }
  return undefined;
};

/**
 * The latest event date allowed at `now`: tomorrow (UTC), for clocks ahead of UTC. A batch checks
 * every op at the same `now`, so the last answer is kept.
 */
let latestEventDateMemo: { readonly now: number; readonly date: string } | undefined;
const latestEventDate = (now: number): string => {
  if (latestEventDateMemo?.now !== now) {
    latestEventDateMemo = { now, date: addDays(calendarDateOf(now), 1) };
  }
  return latestEventDateMemo.date;
};

const checkDates = (
  op: Operation,
  ctx: RuleContext,
  current: DocumentView | undefined,
): OpError | undefined => {
  const written = dataOf(op);
  const latest = latestEventDate(ctx.now);
  for (const field of EVENT_DATES) {
    const date = stringField(written, field);
    if (date !== undefined && date > latest) {
      return invalid(`${field} ${date} is in the future`, `data.${field}`);
    }
  }
  const touches = (field: string) => Object.hasOwn(written, field);
  if (op.collection === 'patients') {
    // The other side of "not given before birth": a birth moved after a dose already recorded.
    const born = stringField(written, 'dateOfBirth');
    if (born === undefined || !touches('dateOfBirth')) return undefined;
    for (const record of ctx.recordsOfPatient(op.docId)) {
      const given = stringField(record.data, 'dateAdministered');
      if (given !== undefined && given < born) {
        return invalid(
          `dateOfBirth ${born} is after the dose of record ${record.docId}, given ${given}`,
          'data.dateOfBirth',
        );
      }
    }
    return undefined;
  }
  if (op.collection !== 'immunization_records') return undefined;
  const data = effectiveData(op, current);
  if (touches('dateAdministered') || touches('patientId')) {
    const patientId = stringField(data, 'patientId');
    const given = stringField(data, 'dateAdministered');
    const patient = patientId === undefined ? undefined : ctx.document('patients', patientId);
    const born = patient === undefined ? undefined : stringField(patient.data, 'dateOfBirth');
    if (given !== undefined && born !== undefined && given < born) {
      return invalid(
        `dateAdministered ${given} is before the patient's dateOfBirth ${born}`,
        'data.dateAdministered',
      );
    }
  }
  if (touches('doseNumber') || touches('vaccineId')) {
    const vaccineId = stringField(data, 'vaccineId');
    const dose = numberField(data, 'doseNumber');
    const vaccine = vaccineId === undefined ? undefined : ctx.document('vaccines', vaccineId);
    const doses = vaccine === undefined ? undefined : numberField(vaccine.data, 'doses');
    if (dose !== undefined && doses !== undefined && dose > doses) {
      return invalid(
        `doseNumber ${dose} is beyond the vaccine's ${doses} doses`,
        'data.doseNumber',
      );
    }
  }
  return undefined;
};

const flagsOf = (
  op: Operation,
  ctx: RuleContext,
  current: DocumentView | undefined,
): readonly OpFlag[] => {
  if (op.collection !== 'immunization_records' || (op.kind !== 'create' && op.kind !== 'update')) {
    return [];
  }
  const data = effectiveData(op, current);
  const patientId = stringField(data, 'patientId');
  const vaccineId = stringField(data, 'vaccineId');
  const dose = numberField(data, 'doseNumber');
  if (patientId === undefined || vaccineId === undefined || dose === undefined) return [];
  const keyFields = ['patientId', 'vaccineId', 'doseNumber'];
  if (op.kind === 'update' && !keyFields.some((f) => Object.hasOwn(op.data, f))) return [];
  return ctx.duplicateDose(patientId, vaccineId, dose, op.docId) ? ['possible_duplicate'] : [];
};

/**
 * Checks the op against the business rules; on success, the flags its audit record carries.
 * `current` is the op's document as projected now (earlier ops of the batch included).
 */
export const checkBusinessRules = (
  op: Operation,
  current: DocumentView | undefined,
  ctx: RuleContext,
): E.Either<OpError, readonly OpFlag[]> => {
  const failure =
    checkExistence(op, current) ??
    checkContext(op, current) ??
    checkReferences(op, ctx) ??
    checkDates(op, ctx, current);
  return failure === undefined ? E.right(flagsOf(op, ctx, current)) : E.left(failure);
};
