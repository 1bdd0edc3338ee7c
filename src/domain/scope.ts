/**
 * The scope of an op: the facilities whose devices may read it (PROTOCOL.md, Scope).
 *
 * Invariants:
 * 1. Reference data (facilities, vaccines) is `["*"]`.
 * 2. A patient's op is scoped to its facility; a transfer (a change of `facilityId`) to both the
 *    old and the new one.
 * 3. An immunization record or a notification with a patient follows the patient's current
 *    facility; a notification without one goes to its recipient's facilities. An op that moves
 *    a document to another patient is scoped to both patients' facilities, as a transfer is, so
 *    that a facility can neither take over another's document nor miss that it left.
 * 4. An op whose facility cannot be found yet has an empty scope (the rules reject it).
 */
import type { CollectionName } from './collection.ts';
import { COLLECTIONS } from './collections.ts';
import {
  type DocumentLookup,
  type DocumentView,
  effectiveData,
  stringField,
} from './document-view.ts';
import type { Operation } from './operation.ts';
import { ALL_FACILITIES } from './principal.ts';

const unique = (ids: readonly (string | undefined)[]): readonly string[] => [
  ...new Set(ids.filter((id): id is string => id !== undefined)),
];

/** True when the op changes the facility of an existing patient. */
export const isTransfer = (op: Operation, current: DocumentView | undefined): boolean => {
  if (op.collection !== 'patients' || op.kind !== 'update' || current === undefined) return false;
  const next = stringField(op.data, 'facilityId');
  return next !== undefined && next !== stringField(current.data, 'facilityId');
};

/** The facility of a patient now, if the patient exists. */
export const patientFacility = (lookup: DocumentLookup, patientId: string): string | undefined => {
  const patient = lookup.document('patients', patientId);
  return patient === undefined ? undefined : stringField(patient.data, 'facilityId');
};

/** The facilities that may read the op, given the document as it is before the op. */
export const scopeOf = (
  op: Operation,
  current: DocumentView | undefined,
  lookup: DocumentLookup,
): readonly string[] => {
  const rule = COLLECTIONS[op.collection].scope;
  const data = effectiveData(op, current);
  switch (rule.kind) {
    case 'everyone':
      return [ALL_FACILITIES];
    case 'facility': {
      const before = current === undefined ? undefined : stringField(current.data, rule.field);
      return unique([before, stringField(data, rule.field)]);
    }
    case 'patient': {
      const before = current === undefined ? undefined : stringField(current.data, rule.field);
      const previous = before === undefined ? undefined : patientFacility(lookup, before);
      const patientId = stringField(data, rule.field);
      if (patientId !== undefined) return unique([previous, patientFacility(lookup, patientId)]);
      const recipient =
        rule.recipientField === undefined ? undefined : stringField(data, rule.recipientField);
      return unique([
        previous,
        ...(recipient === undefined ? [] : lookup.userFacilities(recipient)),
      ]);
    }
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
};

/** A document another collection refers to. */
export interface DocumentRef {
  readonly collection: CollectionName;
  readonly docId: string;
}

/**
 * The documents that the rules and the scope of `op` will look up (besides the op's own
 * document), so that a host with an async store can load them first: those the document names
 * once the op applies, then those it named before that it no longer does (the old patient of
 * a record that moves, which its scope still includes).
 */
export const referencesOf = (
  op: Operation,
  current: DocumentView | undefined,
): readonly DocumentRef[] => {
  const spec = COLLECTIONS[op.collection];
  const refs: DocumentRef[] = [];
  for (const data of [effectiveData(op, current), current?.data ?? {}]) {
    for (const [field, collection] of Object.entries(spec.references)) {
      const docId = stringField(data, field);
      const known = refs.some((r) => r.collection === collection && r.docId === docId);
      if (docId !== undefined && !known) refs.push({ collection, docId });
    }
  }
  return refs;
};

/** The user whose facilities scope the op (a notification without a patient), if any. */
export const recipientOf = (
  op: Operation,
  current: DocumentView | undefined,
): string | undefined => {
  const rule = COLLECTIONS[op.collection].scope;
  if (rule.kind !== 'patient' || rule.recipientField === undefined) return undefined;
  const data = effectiveData(op, current);
  if (stringField(data, rule.field) !== undefined) return undefined;
  return stringField(data, rule.recipientField);
};
