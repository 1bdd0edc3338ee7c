/**
 * Where a document belongs, as the log indexes it (PROTOCOL.md, Scope): pure functions over a
 * document's fields.
 *
 * A document either *follows a patient* (an immunization record, a notification with a
 * `patientId`: it is visible wherever its patient is) or has *own facilities* (a patient: its
 * `facilityId`; reference data: `*`; a notification without a patient: its recipient's
 * facilities, as stamped on its latest op).
 *
 * Invariants:
 * 1. A document never has both a patient to follow and own facilities.
 * 2. The facilities a document is visible to now are the ones an op on it would be scoped to,
 *    except that a transfer op is also scoped to the facility it leaves.
 */
import type { CollectionName, DocumentData } from '../domain/collection.ts';
import { COLLECTIONS } from '../domain/collections.ts';
import type { DocumentLookup, DocumentView } from '../domain/document-view.ts';
import { stringField } from '../domain/document-view.ts';
import { ALL_FACILITIES } from '../domain/principal.ts';
import { type DocumentRef, patientFacility } from '../domain/scope.ts';

/** The patient a document follows, if any. */
export const patientIdOf = (collection: CollectionName, data: DocumentData): string | undefined => {
  const rule = COLLECTIONS[collection].scope;
  return rule.kind === 'patient' ? stringField(data, rule.field) : undefined;
};

/**
 * The document's own facilities (empty for a document that follows a patient). `lastScope` is
 * the scope of its latest op, which is where a recipient's facilities are recorded.
 */
export const ownFacilitiesOf = (
  collection: CollectionName,
  data: DocumentData,
  lastScope: readonly string[],
): readonly string[] => {
  const rule = COLLECTIONS[collection].scope;
  switch (rule.kind) {
    case 'everyone':
      return [ALL_FACILITIES];
    case 'facility': {
      const facility = stringField(data, rule.field);
      return facility === undefined ? [] : [facility];
    }
    case 'patient':
      return stringField(data, rule.field) === undefined ? [...lastScope] : [];
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
};

/** The facilities an existing document is visible to now. */
export const currentFacilitiesOf = (
  view: DocumentView,
  ownFacilities: readonly string[],
  lookup: DocumentLookup,
): readonly string[] => {
  const patientId = patientIdOf(view.collection, view.data);
  if (patientId === undefined) return ownFacilities;
  const facility = patientFacility(lookup, patientId);
  return facility === undefined ? [] : [facility];
};

/** The documents a document's own fields refer to (its current patient, vaccine...). */
export const referencesOfData = (
  collection: CollectionName,
  data: DocumentData,
): readonly DocumentRef[] => {
  const refs: DocumentRef[] = [];
  for (const [field, target] of Object.entries(COLLECTIONS[collection].references)) {
    const docId = stringField(data, field);
    if (docId !== undefined) refs.push({ collection: target, docId });
  }
  return refs;
};

/** The facilities in `next` that `before` lacks (never `*`): where a document is arriving. */
export const arrivingFacilities = (
  before: readonly string[],
  next: readonly string[],
): readonly string[] => next.filter((f) => f !== ALL_FACILITIES && !before.includes(f));

/** A document's key in maps: `collection/docId`. */
export const documentKey = (collection: string, docId: string): string => `${collection}/${docId}`;
