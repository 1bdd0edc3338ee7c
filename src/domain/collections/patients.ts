/**
 * `patients`: merged field by field with server priority; the facility and the health worker are
 * server-only (a client sets them only on create); identity fields go to review when devices
 * disagree. A change of `facilityId` is a transfer.
 */
import * as fc from 'fast-check';
import type * as t from 'io-ts';
import { calendarDate, facilityIdArb, partialOf, textOf, userIdArb } from '../arbitraries.ts';
import type { CollectionSpec, DocumentData } from '../collection.ts';
import { FacilityId, UserId } from '../ids.ts';
import { CalendarDate, text } from '../scalars.ts';
import { nullable, strictStruct } from '../strict-struct.ts';
import { Sex } from './sex.ts';

const required = {
  fullName: text(200),
  sex: Sex,
  dateOfBirth: CalendarDate,
  facilityId: FacilityId,
};
const optional = {
  motherName: nullable(text(200)),
  contactPhone: nullable(text(40)),
  address: nullable(text(500)),
  townVillage: nullable(text(200)),
  healthWorkerId: nullable(UserId),
};

export const Patient = strictStruct('Patient', required, optional);
export type Patient = t.TypeOf<typeof Patient>;
export const PatientUpdate = strictStruct(
  'PatientUpdate',
  {},
  { ...required, ...optional },
  {
    nonEmpty: true,
  },
);

const arbitraryPatient: fc.Arbitrary<Patient> = fc.record(
  {
    fullName: textOf(200),
    sex: fc.constantFrom('F', 'M', 'X'),
    dateOfBirth: calendarDate('1950-01-01', '2024-12-31'),
    facilityId: facilityIdArb(),
    motherName: fc.option(textOf(200), { nil: null }),
    contactPhone: fc.option(fc.stringMatching(/^\+?[0-9][0-9 ]{5,19}$/), { nil: null }),
    address: fc.option(textOf(500), { nil: null }),
    townVillage: fc.option(textOf(200), { nil: null }),
    healthWorkerId: fc.option(userIdArb(), { nil: null }),
  },
  { requiredKeys: ['fullName', 'sex', 'dateOfBirth', 'facilityId'] },
);

export const patients: CollectionSpec = {
  name: 'patients',
  create: Patient,
  update: PatientUpdate,
  fieldNames: [
    'fullName',
    'sex',
    'dateOfBirth',
    'motherName',
    'contactPhone',
    'address',
    'townVillage',
    'facilityId',
    'healthWorkerId',
  ],
  policy: 'merge_server_priority',
  fields: {
    facilityId: 'server_only',
    healthWorkerId: 'server_only',
    fullName: 'review',
    dateOfBirth: 'review',
    sex: 'review',
    motherName: 'review',
  },
  references: { facilityId: 'facilities' },
  writers: ['health_worker', 'supervisor', 'admin'],
  scope: { kind: 'facility', field: 'facilityId' },
  arbitrary: {
    create: arbitraryPatient.map((doc): DocumentData => doc),
    update: partialOf(arbitraryPatient).map((doc): DocumentData => doc),
  },
};
