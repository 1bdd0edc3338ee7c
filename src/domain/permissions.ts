/**
 * Who may read and write what (DESIGN.md section 6, PROTOCOL.md Roles), as pure functions.
 *
 * Invariants:
 * 1. Health workers and supervisors act only within the facilities their principal lists;
 *    admins and auditors read everything.
 * 2. Only admins (and the server's own devices) write reference data.
 * 3. Auditors write nothing through push; their resolutions go through the resolve route.
 * 4. A client-class op may set a server-only field only on create, within its own rights
 *    (`facilityId` one of its facilities, `healthWorkerId` its own user id).
 * 5. A transfer needs the right on both facilities: a supervisor of both, or an admin.
 */
import * as E from 'fp-ts/lib/Either.js';
import { isServerOnlyField } from './collection.ts';
import { COLLECTIONS } from './collections.ts';
import { type DocumentView, stringField } from './document-view.ts';
import { forbidden, type OpError } from './errors.ts';
import { dataOf, type Operation } from './operation.ts';
import {
  ALL_FACILITIES,
  authorityClassOf,
  listsFacility,
  type Principal,
  readsEverything,
} from './principal.ts';
import { isTransfer } from './scope.ts';

/** True when the principal may read ops of this scope. */
export const canReadScope = (principal: Principal, scope: readonly string[]): boolean =>
  readsEverything(principal.role) ||
  scope.includes(ALL_FACILITIES) ||
  scope.some((facilityId) => listsFacility(principal, facilityId));

/** The actions of the routes besides push, each checked against a document's facilities. */
export type Action =
  | 'pull'
  | 'read_history'
  | 'list_conflicts'
  | 'resolve'
  | 'read_status'
  | 'verify'
  | 'read_metrics';

/**
 * True when the principal may take the action on something of these facilities (for an action
 * that concerns no facility, pass `[]`).
 */
export const may = (
  principal: Principal,
  action: Action,
  facilities: readonly string[],
): boolean => {
  const own = facilities.every((f) => f === ALL_FACILITIES || listsFacility(principal, f));
  switch (action) {
    case 'pull':
      return true;
    case 'read_history':
    case 'list_conflicts':
    case 'resolve':
    case 'read_status':
      return (
        principal.role === 'admin' ||
        principal.role === 'auditor' ||
        (principal.role === 'supervisor' && own)
      );
    case 'verify':
    case 'read_metrics':
      return principal.role === 'admin';
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
};

/**
 * Where an op outside the principal's facilities went wrong: a create, at the field its scope
 * follows (`data.facilityId` of a patient, `data.patientId` of a record, `data.userId` of a
 * notification without a patient); a transfer, at `data.facilityId`; anything else, at the
 * document itself.
 */
const outsidePath = (op: Operation, current: DocumentView | undefined): string => {
  if (isTransfer(op, current)) return 'data.facilityId';
  // An update of another facility's document, or a create of an id that exists there.
  if (op.kind !== 'create' || current !== undefined) return 'docId';
  const rule = COLLECTIONS[op.collection].scope;
  switch (rule.kind) {
    case 'everyone':
      return 'docId';
    case 'facility':
      return `data.${rule.field}`;
    case 'patient':
      return rule.recipientField === undefined || stringField(op.data, rule.field) !== undefined
        ? `data.${rule.field}`
        : `data.${rule.recipientField}`;
    default: {
      const unreachable: never = rule;
      return unreachable;
    }
  }
};

/**
 * Checks that the principal may append `op`, whose document is `current` (undefined before its
 * create) and whose scope is `scope`. The first refusal is the answer, with the path of the field
 * that caused it.
 */
export const checkWrite = (
  principal: Principal,
  op: Operation,
  current: DocumentView | undefined,
  scope: readonly string[],
): E.Either<OpError, void> => {
  const spec = COLLECTIONS[op.collection];
  if (principal.role === 'auditor') {
    return E.left(forbidden('auditors write only resolutions, through the resolve route'));
  }
  if (!spec.writers.includes(principal.role)) {
    return E.left(forbidden(`a ${principal.role} may not write ${op.collection}`, 'collection'));
  }
  if (principal.role === 'admin') return E.right(undefined);

  const outside = scope.find((f) => f !== ALL_FACILITIES && !listsFacility(principal, f));
  if (outside !== undefined) {
    // A facility the op does not name itself is not told: it would say where a document the
    // principal may not see lives.
    const named = Object.values(dataOf(op)).includes(outside);
    return E.left(
      forbidden(
        named ? `facility ${outside} is not one of yours` : 'a facility that is not one of yours',
        outsidePath(op, current),
      ),
    );
  }

  if (authorityClassOf(principal.role) === 'client') {
    for (const [field, value] of Object.entries(dataOf(op))) {
      if (!isServerOnlyField(spec, field)) continue;
      const path = `data.${field}`;
      if (op.kind !== 'create') {
        return E.left(forbidden(`${field} is set by a supervisor or an admin`, path));
      }
      if (field === 'healthWorkerId' && value !== null && value !== principal.userId) {
        return E.left(forbidden('healthWorkerId may only be your own user id', path));
      }
      if (
        field === 'facilityId' &&
        (typeof value !== 'string' || !listsFacility(principal, value))
      ) {
        return E.left(forbidden('facilityId must be one of your facilities', path));
      }
    }
  }
  return E.right(undefined);
};
