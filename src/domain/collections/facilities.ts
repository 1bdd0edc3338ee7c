/** `facilities`: reference data, written by admins and the system only. */
import * as fc from 'fast-check';
import type * as t from 'io-ts';
import { partialOf, textOf } from '../arbitraries.ts';
import type { CollectionSpec, DocumentData } from '../collection.ts';
import { text } from '../scalars.ts';
import { nullable, strictStruct } from '../strict-struct.ts';

const required = { name: text(200), district: text(200), region: text(200) };
const optional = { type: nullable(text(100)) };

export const Facility = strictStruct('Facility', required, optional);
export type Facility = t.TypeOf<typeof Facility>;
export const FacilityUpdate = strictStruct(
  'FacilityUpdate',
  {},
  { ...required, ...optional },
  {
    nonEmpty: true,
  },
);

const arbitraryFacility: fc.Arbitrary<Facility> = fc.record(
  {
    name: textOf(200),
    district: textOf(200),
    region: textOf(200),
    type: fc.option(fc.constantFrom('hospital', 'health_centre', 'dispensary', 'outreach'), {
      nil: null,
    }),
  },
  { requiredKeys: ['name', 'district', 'region'] },
);

export const facilities: CollectionSpec = {
  name: 'facilities',
  create: Facility,
  update: FacilityUpdate,
  fieldNames: ['name', 'district', 'region', 'type'],
  policy: 'server_wins',
  fields: {},
  references: {},
  writers: ['admin'],
  scope: { kind: 'everyone' },
  arbitrary: {
    create: arbitraryFacility.map((doc): DocumentData => doc),
    update: partialOf(arbitraryFacility).map((doc): DocumentData => doc),
  },
};
