/** The registry of synced collections, by name. */
import * as t from 'io-ts';
import type { CollectionName, CollectionSpec } from './collection.ts';
import { facilities } from './collections/facilities.ts';
import { immunizationRecords } from './collections/immunization-records.ts';
import { notifications } from './collections/notifications.ts';
import { patients } from './collections/patients.ts';
import { vaccines } from './collections/vaccines.ts';

export const COLLECTIONS: Readonly<Record<CollectionName, CollectionSpec>> = {
  facilities,
  vaccines,
  patients,
  immunization_records: immunizationRecords,
  notifications,
};

/** The collection names, in the order reference data comes first. */
export const COLLECTION_NAMES: readonly CollectionName[] = [
  'facilities',
  'vaccines',
  'patients',
  'immunization_records',
  'notifications',
];

/** A collection name on the wire. */
export const CollectionNameCodec = t.keyof(
  {
    facilities: null,
    vaccines: null,
    patients: null,
    immunization_records: null,
    notifications: null,
  },
  'CollectionName',
);

export const specOf = (name: CollectionName): CollectionSpec => COLLECTIONS[name];
