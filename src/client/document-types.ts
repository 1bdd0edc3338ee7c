/**
 * The TypeScript type of each collection's documents, with the codec that proves a stored view
 * has it. The types come from the domain's codecs (`t.TypeOf`), never written twice.
 */
import type * as t from 'io-ts';
import type { CollectionName } from '../domain/collection.ts';
import { Facility } from '../domain/collections/facilities.ts';
import { ImmunizationRecord } from '../domain/collections/immunization-records.ts';
import { Notification } from '../domain/collections/notifications.ts';
import { Patient } from '../domain/collections/patients.ts';
import { Vaccine } from '../domain/collections/vaccines.ts';

/** The document type of each collection. */
export interface DocumentTypes {
  readonly facilities: Facility;
  readonly vaccines: Vaccine;
  readonly patients: Patient;
  readonly immunization_records: ImmunizationRecord;
  readonly notifications: Notification;
}

/**
 * What a mutation takes for each collection: the codec's input shape, so ids are plain strings
 * (the codec brands them when it validates).
 */
export interface DocumentInputs {
  readonly facilities: t.OutputOf<typeof Facility>;
  readonly vaccines: t.OutputOf<typeof Vaccine>;
  readonly patients: t.OutputOf<typeof Patient>;
  readonly immunization_records: t.OutputOf<typeof ImmunizationRecord>;
  readonly notifications: t.OutputOf<typeof Notification>;
}

/** The full-document codec of each collection, typed. */
export const DOCUMENT_CODECS: {
  readonly [C in CollectionName]: t.Decoder<unknown, DocumentTypes[C]>;
} = {
  facilities: Facility,
  vaccines: Vaccine,
  patients: Patient,
  immunization_records: ImmunizationRecord,
  notifications: Notification,
};
