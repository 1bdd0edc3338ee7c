/** `vaccines`: reference data (the EPI schedule), written by admins and the system only. */
import * as fc from 'fast-check';
import type * as t from 'io-ts';
import { partialOf, textOf } from '../arbitraries.ts';
import type { CollectionSpec, DocumentData } from '../collection.ts';
import { intInRange, text } from '../scalars.ts';
import { nullable, strictStruct } from '../strict-struct.ts';

const required = { name: text(200), code: text(32), doses: intInRange(1, 10, 'Doses') };
const optional = { minIntervalDays: nullable(intInRange(0, 3650, 'IntervalDays')) };

export const Vaccine = strictStruct('Vaccine', required, optional);
export type Vaccine = t.TypeOf<typeof Vaccine>;
export const VaccineUpdate = strictStruct(
  'VaccineUpdate',
  {},
  { ...required, ...optional },
  {
    nonEmpty: true,
  },
);

const arbitraryVaccine: fc.Arbitrary<Vaccine> = fc.record(
  {
    name: textOf(200),
    code: textOf(32),
    doses: fc.integer({ min: 1, max: 10 }),
    minIntervalDays: fc.option(fc.integer({ min: 0, max: 3650 }), { nil: null }),
  },
  { requiredKeys: ['name', 'code', 'doses'] },
);

export const vaccines: CollectionSpec = {
  name: 'vaccines',
  create: Vaccine,
  update: VaccineUpdate,
  fieldNames: ['name', 'code', 'doses', 'minIntervalDays'],
  policy: 'server_wins',
  fields: {},
  references: {},
  writers: ['admin'],
  scope: { kind: 'everyone' },
  arbitrary: {
    create: arbitraryVaccine.map((doc): DocumentData => doc),
    update: partialOf(arbitraryVaccine).map((doc): DocumentData => doc),
  },
};
