/**
 * `immunization_records`: the server wins (a device's edit concurrent with a supervisor's is
 * defeated); the clinical fields go to review when two devices disagree. A record's scope follows
 * its patient.
 */
import * as fc from 'fast-check';
import type * as t from 'io-ts';
import { calendarDate, docIdArb, facilityIdArb, partialOf, textOf } from '../arbitraries.ts';
import type { CollectionSpec, DocumentData } from '../collection.ts';
import { DocId, FacilityId } from '../ids.ts';
import { CalendarDate, intInRange, text } from '../scalars.ts';
import { nullable, strictStruct } from '../strict-struct.ts';

const required = {
  patientId: DocId,
  vaccineId: DocId,
  doseNumber: intInRange(1, 10, 'DoseNumber'),
  dateAdministered: CalendarDate,
  facilityId: FacilityId,
};
const optional = {
  administeredBy: nullable(text(200)),
  batchNumber: nullable(text(64)),
  notes: nullable(text(2000)),
};

export const ImmunizationRecord = strictStruct('ImmunizationRecord', required, optional);
export type ImmunizationRecord = t.TypeOf<typeof ImmunizationRecord>;
export const ImmunizationRecordUpdate = strictStruct(
  'ImmunizationRecordUpdate',
  {},
  { ...required, ...optional },
  { nonEmpty: true },
);

const arbitraryRecord: fc.Arbitrary<ImmunizationRecord> = fc.record(
  {
    patientId: docIdArb(),
    vaccineId: docIdArb(),
    doseNumber: fc.integer({ min: 1, max: 10 }),
    dateAdministered: calendarDate('2000-01-01', '2024-12-31'),
    facilityId: facilityIdArb(),
    administeredBy: fc.option(textOf(200), { nil: null }),
    batchNumber: fc.option(fc.stringMatching(/^[A-Z0-9-]{1,20}$/), { nil: null }),
    notes: fc.option(textOf(2000), { nil: null }),
  },
  { requiredKeys: ['patientId', 'vaccineId', 'doseNumber', 'dateAdministered', 'facilityId'] },
);

export const immunizationRecords: CollectionSpec = {
  name: 'immunization_records',
  create: ImmunizationRecord,
  update: ImmunizationRecordUpdate,
  fieldNames: [
    'patientId',
    'vaccineId',
    'doseNumber',
    'dateAdministered',
    'facilityId',
    'administeredBy',
    'batchNumber',
    'notes',
  ],
  policy: 'server_wins',
  fields: {
    vaccineId: 'review',
    doseNumber: 'review',
    dateAdministered: 'review',
    batchNumber: 'review',
  },
  references: { patientId: 'patients', vaccineId: 'vaccines', facilityId: 'facilities' },
  writers: ['health_worker', 'supervisor', 'admin'],
  scope: { kind: 'patient', field: 'patientId' },
  arbitrary: {
    create: arbitraryRecord.map((doc): DocumentData => doc),
    update: partialOf(arbitraryRecord).map((doc): DocumentData => doc),
  },
};
