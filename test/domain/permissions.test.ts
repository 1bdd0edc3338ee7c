import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, test } from 'vitest';
import type { CollectionName } from '../../src/domain/collection.ts';
import type { OpError } from '../../src/domain/errors.ts';
import type { Operation, OpKind } from '../../src/domain/operation.ts';
import { type Action, canReadScope, checkWrite, may } from '../../src/domain/permissions.ts';
import type { Principal, Role } from '../../src/domain/principal.ts';
import { scopeOf } from '../../src/domain/scope.ts';
import { leftOf } from './expect-either.ts';
import {
  anOp,
  aPrincipal,
  facilityData,
  lookupOf,
  notificationData,
  patientData,
  recordData,
  vaccineData,
  viewOf,
} from './fixtures.ts';

/**
 * The world of these tests: a health worker of fac-a, a supervisor of fac-a and fac-b, and
 * fac-z, which is nobody's here. The admin and the auditor list fac-a only, to show that their
 * rights do not come from their list.
 */
const PRINCIPALS: Readonly<Record<Role, Principal>> = {
  health_worker: aPrincipal('health_worker', ['fac-a']),
  supervisor: aPrincipal('supervisor', ['fac-a', 'fac-b']),
  admin: aPrincipal('admin', ['fac-a']),
  auditor: aPrincipal('auditor', ['fac-a']),
};

const lookup = lookupOf(
  [
    viewOf('facilities', 'fac-a', facilityData),
    viewOf('facilities', 'fac-b', facilityData),
    viewOf('facilities', 'fac-z', facilityData),
    viewOf('vaccines', 'vac-penta', vaccineData),
    viewOf('patients', 'pat-a', patientData),
    viewOf('patients', 'pat-b', { ...patientData, facilityId: 'fac-b' }),
    viewOf('patients', 'pat-z', { ...patientData, facilityId: 'fac-z' }),
    viewOf('immunization_records', 'rec-a', recordData),
    viewOf('immunization_records', 'rec-z', {
      ...recordData,
      patientId: 'pat-z',
      facilityId: 'fac-z',
    }),
    viewOf('notifications', 'note-a', notificationData),
    viewOf('notifications', 'note-z', {
      ...notificationData,
      userId: 'other-user',
      patientId: 'pat-z',
    }),
  ],
  { 'health-worker-1': ['fac-a'], 'other-user': ['fac-z'] },
);

/** `checkWrite` with the op's document and scope as the server would find them. */
const write = (principal: Principal, op: Operation): E.Either<OpError, void> => {
  const current = lookup.document(op.collection, op.docId);
  return checkWrite(principal, op, current, scopeOf(op, current, lookup));
};

const refusalPath = (principal: Principal, op: Operation): string | undefined => {
  const error = leftOf(write(principal, op));
  expect(error.code).toBe('forbidden');
  return error.path;
};

const ROLES: readonly Role[] = ['health_worker', 'supervisor', 'admin', 'auditor'];

/** `a health_worker`, `an admin`: the role with its article, for test names. */
const aRole = (role: Role): string => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;

describe('may', () => {
  type Row = readonly [Role, Action, boolean, boolean, boolean];
  // role, action, on its own facilities, on other facilities, on none ([])
  const ROWS: readonly Row[] = [
    ['health_worker', 'pull', true, true, true],
    ['health_worker', 'read_history', false, false, false],
    ['health_worker', 'list_conflicts', false, false, false],
    ['health_worker', 'resolve', false, false, false],
    ['health_worker', 'read_status', false, false, false],
    ['health_worker', 'verify', false, false, false],
    ['health_worker', 'read_metrics', false, false, false],
    ['supervisor', 'pull', true, true, true],
    ['supervisor', 'read_history', true, false, true],
    ['supervisor', 'list_conflicts', true, false, true],
    ['supervisor', 'resolve', true, false, true],
    ['supervisor', 'read_status', true, false, true],
    ['supervisor', 'verify', false, false, false],
    ['supervisor', 'read_metrics', false, false, false],
    ['admin', 'pull', true, true, true],
    ['admin', 'read_history', true, true, true],
    ['admin', 'list_conflicts', true, true, true],
    ['admin', 'resolve', true, true, true],
    ['admin', 'read_status', true, true, true],
    ['admin', 'verify', true, true, true],
    ['admin', 'read_metrics', true, true, true],
    ['auditor', 'pull', true, true, true],
    ['auditor', 'read_history', true, true, true],
    ['auditor', 'list_conflicts', true, true, true],
    ['auditor', 'resolve', true, true, true],
    ['auditor', 'read_status', true, true, true],
    ['auditor', 'verify', false, false, false],
    ['auditor', 'read_metrics', false, false, false],
  ];

  const PLACES = [
    ['on its own facilities', ['fac-a']],
    ['on other facilities', ['fac-z']],
    ['when no facility is concerned', []],
  ] as const;

  const cases = ROWS.flatMap(([role, action, ...expected]) =>
    PLACES.map(([where, facilities], i) => ({
      name: `${aRole(role)} ${expected[i] === true ? 'may' : 'may not'} ${action} ${where}`,
      role,
      action,
      facilities,
      allowed: expected[i] === true,
    })),
  );

  test('the table has a row for every role and every action', () => {
    const actions: readonly Action[] = [
      'pull',
      'read_history',
      'list_conflicts',
      'resolve',
      'read_status',
      'verify',
      'read_metrics',
    ];
    for (const role of ROLES) {
      expect(ROWS.filter(([r]) => r === role).map(([, a]) => a)).toEqual(actions);
    }
  });

  for (const { name, role, action, facilities, allowed } of cases) {
    test(name, () => {
      expect(may(PRINCIPALS[role], action, facilities)).toBe(allowed);
    });
  }

  test('a supervisor may not act on a document of its facility and another one together', () => {
    expect(may(PRINCIPALS.supervisor, 'read_history', ['fac-a', 'fac-z'])).toBe(false);
    expect(may(PRINCIPALS.supervisor, 'read_history', ['fac-a', 'fac-b'])).toBe(true);
  });

  test('a supervisor may act on reference data, which belongs to every facility', () => {
    expect(may(PRINCIPALS.supervisor, 'read_history', ['*'])).toBe(true);
  });

  test('a supervisor of every facility may act on any facility, but not verify', () => {
    const everywhere = aPrincipal('supervisor', ['*']);
    expect(may(everywhere, 'resolve', ['fac-z'])).toBe(true);
    expect(may(everywhere, 'verify', [])).toBe(false);
  });

  test('a health worker of every facility still may not read history', () => {
    expect(may(aPrincipal('health_worker', ['*']), 'read_history', ['fac-a'])).toBe(false);
  });
});

describe('canReadScope', () => {
  type Row = readonly [Role, readonly string[], string, boolean];
  const ROWS: readonly Row[] = [
    ['health_worker', ['fac-a'], 'its own facility', true],
    ['health_worker', ['fac-z'], 'another facility', false],
    ['health_worker', ['fac-a', 'fac-z'], 'a transfer from or to its facility', true],
    ['health_worker', ['*'], 'reference data', true],
    ['health_worker', [], 'an empty scope', false],
    ['supervisor', ['fac-b'], 'one of its facilities', true],
    ['supervisor', ['fac-z'], 'another facility', false],
    ['supervisor', ['*'], 'reference data', true],
    ['admin', ['fac-z'], 'any facility', true],
    ['admin', [], 'an empty scope', true],
    ['auditor', ['fac-z'], 'any facility', true],
    ['auditor', [], 'an empty scope', true],
  ];

  for (const [role, scope, what, allowed] of ROWS) {
    test(`${aRole(role)} ${allowed ? 'reads' : 'does not read'} ops of ${what}`, () => {
      expect(canReadScope(PRINCIPALS[role], scope)).toBe(allowed);
    });
  }

  test('a principal of every facility reads any facility', () => {
    expect(canReadScope(aPrincipal('health_worker', ['*']), ['fac-z'])).toBe(true);
  });
});

type Place = 'own' | 'outside';

/** An op of each kind on a document of the principal's facility (fac-a) or outside it (fac-z). */
const opOn = (collection: CollectionName, kind: OpKind, place: Place): Operation => {
  const own = place === 'own';
  const existing: Readonly<Record<CollectionName, string>> = {
    facilities: 'fac-a',
    vaccines: 'vac-penta',
    patients: own ? 'pat-a' : 'pat-z',
    immunization_records: own ? 'rec-a' : 'rec-z',
    notifications: own ? 'note-a' : 'note-z',
  };
  const created = {
    facilities: facilityData,
    vaccines: vaccineData,
    patients: { ...patientData, facilityId: own ? 'fac-a' : 'fac-z' },
    immunization_records: {
      ...recordData,
      patientId: own ? 'pat-a' : 'pat-z',
      facilityId: own ? 'fac-a' : 'fac-z',
    },
    notifications: { ...notificationData, patientId: own ? 'pat-a' : 'pat-z' },
  } as const;
  const updated = {
    facilities: { name: 'Kisumu County Hospital' },
    vaccines: { doses: 4 },
    patients: { fullName: 'Achieng Auma' },
    immunization_records: { batchNumber: 'B-2291' },
    notifications: { read: true },
  } as const;
  switch (kind) {
    case 'create':
      return anOp({ collection, docId: 'doc-new', kind, data: created[collection] });
    case 'update':
      return anOp({ collection, docId: existing[collection], kind, data: updated[collection] });
    case 'delete':
    case 'restore':
      return anOp({ collection, docId: existing[collection], kind });
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
};

describe('checkWrite on each collection', () => {
  /** `ok`: allowed. `at(p)`: forbidden at path p. `noPath`: forbidden without a path. */
  type Outcome = { readonly allowed: true } | { readonly allowed: false; readonly path?: string };
  const ok: Outcome = { allowed: true };
  const at = (path: string): Outcome => ({ allowed: false, path });
  const noPath: Outcome = { allowed: false };

  type Row = readonly [Role, CollectionName, Place, Outcome, Outcome, Outcome, Outcome];
  // role, collection, place, then the outcome of a create, an update, a delete and a restore
  const ROWS: readonly Row[] = [
    ['health_worker', 'patients', 'own', ok, ok, ok, ok],
    [
      'health_worker',
      'patients',
      'outside',
      at('data.facilityId'),
      at('docId'),
      at('docId'),
      at('docId'),
    ],
    ['health_worker', 'immunization_records', 'own', ok, ok, ok, ok],
    [
      'health_worker',
      'immunization_records',
      'outside',
      at('data.patientId'),
      at('docId'),
      at('docId'),
      at('docId'),
    ],
    ['health_worker', 'notifications', 'own', ok, ok, ok, ok],
    [
      'health_worker',
      'notifications',
      'outside',
      at('data.patientId'),
      at('docId'),
      at('docId'),
      at('docId'),
    ],
    [
      'health_worker',
      'facilities',
      'own',
      at('collection'),
      at('collection'),
      at('collection'),
      at('collection'),
    ],
    [
      'health_worker',
      'vaccines',
      'own',
      at('collection'),
      at('collection'),
      at('collection'),
      at('collection'),
    ],
    ['supervisor', 'patients', 'own', ok, ok, ok, ok],
    [
      'supervisor',
      'patients',
      'outside',
      at('data.facilityId'),
      at('docId'),
      at('docId'),
      at('docId'),
    ],
    ['supervisor', 'immunization_records', 'own', ok, ok, ok, ok],
    [
      'supervisor',
      'immunization_records',
      'outside',
      at('data.patientId'),
      at('docId'),
      at('docId'),
      at('docId'),
    ],
    ['supervisor', 'notifications', 'own', ok, ok, ok, ok],
    [
      'supervisor',
      'notifications',
      'outside',
      at('data.patientId'),
      at('docId'),
      at('docId'),
      at('docId'),
    ],
    [
      'supervisor',
      'facilities',
      'own',
      at('collection'),
      at('collection'),
      at('collection'),
      at('collection'),
    ],
    [
      'supervisor',
      'vaccines',
      'own',
      at('collection'),
      at('collection'),
      at('collection'),
      at('collection'),
    ],
    ['admin', 'patients', 'own', ok, ok, ok, ok],
    ['admin', 'patients', 'outside', ok, ok, ok, ok],
    ['admin', 'immunization_records', 'own', ok, ok, ok, ok],
    ['admin', 'immunization_records', 'outside', ok, ok, ok, ok],
    ['admin', 'notifications', 'own', ok, ok, ok, ok],
    ['admin', 'notifications', 'outside', ok, ok, ok, ok],
    ['admin', 'facilities', 'own', ok, ok, ok, ok],
    ['admin', 'vaccines', 'own', ok, ok, ok, ok],
    ['auditor', 'patients', 'own', noPath, noPath, noPath, noPath],
    ['auditor', 'patients', 'outside', noPath, noPath, noPath, noPath],
    ['auditor', 'immunization_records', 'own', noPath, noPath, noPath, noPath],
    ['auditor', 'immunization_records', 'outside', noPath, noPath, noPath, noPath],
    ['auditor', 'notifications', 'own', noPath, noPath, noPath, noPath],
    ['auditor', 'notifications', 'outside', noPath, noPath, noPath, noPath],
    ['auditor', 'facilities', 'own', noPath, noPath, noPath, noPath],
    ['auditor', 'vaccines', 'own', noPath, noPath, noPath, noPath],
  ];

  const KINDS: readonly OpKind[] = ['create', 'update', 'delete', 'restore'];
  const WHERE: Readonly<Record<Place, string>> = {
    own: 'of its own facility',
    outside: 'outside its facilities',
  };

  const cases = ROWS.flatMap(([role, collection, place, ...outcomes]) =>
    KINDS.map((kind, i) => {
      const outcome = outcomes[i] ?? noPath;
      const where =
        collection === 'facilities' || collection === 'vaccines' ? '' : ` ${WHERE[place]}`;
      const verdict = outcome.allowed
        ? 'may'
        : `is refused${outcome.path === undefined ? '' : ` at ${outcome.path}`} when it tries to`;
      return {
        name: `${aRole(role)} ${verdict} ${kind} ${collection}${where}`,
        role,
        op: opOn(collection, kind, place),
        outcome,
      };
    }),
  );

  test('the table has a row for every role, collection and place', () => {
    expect(ROWS).toHaveLength(ROLES.length * 8);
    for (const role of ROLES) expect(ROWS.filter(([r]) => r === role)).toHaveLength(8);
  });

  for (const { name, role, op, outcome } of cases) {
    test(name, () => {
      const result = write(PRINCIPALS[role], op);
      if (outcome.allowed) {
        expect(result).toEqual(E.right(undefined));
      } else {
        const error = leftOf(result);
        expect(error.code).toBe('forbidden');
        expect(error.path).toBe(outcome.path);
        expect(error.message).not.toBe('');
      }
    });
  }
});

describe('checkWrite on server-only fields', () => {
  const hw = PRINCIPALS.health_worker;
  const createPatient = (fields: Readonly<Record<string, unknown>>): Operation =>
    anOp({
      collection: 'patients',
      docId: 'pat-new',
      kind: 'create',
      data: { ...patientData, ...fields },
    });
  const updatePatient = (docId: string, data: Readonly<Record<string, unknown>>): Operation =>
    anOp({ collection: 'patients', docId, kind: 'update', data });

  test('a health worker may create a patient at its own facility', () => {
    expect(write(hw, createPatient({ facilityId: 'fac-a' }))).toEqual(E.right(undefined));
  });

  test('a health worker may not create a patient at another facility', () => {
    expect(refusalPath(hw, createPatient({ facilityId: 'fac-b' }))).toBe('data.facilityId');
  });

  test('a health worker may name itself as the health worker of a new patient', () => {
    expect(write(hw, createPatient({ healthWorkerId: 'health-worker-1' }))).toEqual(
      E.right(undefined),
    );
  });

  test('a health worker may leave the health worker of a new patient empty', () => {
    expect(write(hw, createPatient({ healthWorkerId: null }))).toEqual(E.right(undefined));
  });

  test('a health worker may not name another user as the health worker of a new patient', () => {
    expect(refusalPath(hw, createPatient({ healthWorkerId: 'other-user' }))).toBe(
      'data.healthWorkerId',
    );
  });

  test.each([
    ['facilityId', { facilityId: 'fac-a' }],
    ['healthWorkerId', { healthWorkerId: 'health-worker-1' }],
    ['healthWorkerId', { healthWorkerId: null }],
  ] as const)(
    'a health worker may not update %s, even to a value it could have created',
    (field, data) => {
      expect(refusalPath(hw, updatePatient('pat-a', data))).toBe(`data.${field}`);
    },
  );

  test('a health worker of two facilities may not transfer a patient between them', () => {
    const both = aPrincipal('health_worker', ['fac-a', 'fac-b']);
    expect(refusalPath(both, updatePatient('pat-a', { facilityId: 'fac-b' }))).toBe(
      'data.facilityId',
    );
  });

  test('a health worker of every facility may create a patient anywhere but not update its facility', () => {
    const everywhere = aPrincipal('health_worker', ['*']);
    expect(write(everywhere, createPatient({ facilityId: 'fac-z' }))).toEqual(E.right(undefined));
    expect(write(everywhere, updatePatient('pat-z', { fullName: 'Achieng Auma' }))).toEqual(
      E.right(undefined),
    );
    expect(refusalPath(everywhere, updatePatient('pat-z', { facilityId: 'fac-a' }))).toBe(
      'data.facilityId',
    );
  });

  test('a supervisor may set the health worker of a patient to any user', () => {
    const sup = PRINCIPALS.supervisor;
    expect(write(sup, createPatient({ healthWorkerId: 'other-user' }))).toEqual(E.right(undefined));
    expect(write(sup, updatePatient('pat-a', { healthWorkerId: 'other-user' }))).toEqual(
      E.right(undefined),
    );
  });

  test('a supervisor may transfer a patient between two of its facilities', () => {
    expect(write(PRINCIPALS.supervisor, updatePatient('pat-a', { facilityId: 'fac-b' }))).toEqual(
      E.right(undefined),
    );
    expect(write(PRINCIPALS.supervisor, updatePatient('pat-b', { facilityId: 'fac-a' }))).toEqual(
      E.right(undefined),
    );
  });

  test('a supervisor may not transfer a patient to a facility outside its list', () => {
    expect(
      refusalPath(PRINCIPALS.supervisor, updatePatient('pat-a', { facilityId: 'fac-z' })),
    ).toBe('data.facilityId');
  });

  test('a supervisor may not transfer a patient from a facility outside its list', () => {
    expect(
      refusalPath(PRINCIPALS.supervisor, updatePatient('pat-z', { facilityId: 'fac-a' })),
    ).toBe('data.facilityId');
  });

  test('a supervisor of every facility may transfer a patient anywhere', () => {
    const everywhere = aPrincipal('supervisor', ['*']);
    expect(write(everywhere, updatePatient('pat-z', { facilityId: 'fac-y' }))).toEqual(
      E.right(undefined),
    );
  });

  test('an admin may transfer a patient between facilities it does not list', () => {
    expect(write(PRINCIPALS.admin, updatePatient('pat-z', { facilityId: 'fac-y' }))).toEqual(
      E.right(undefined),
    );
  });
});

describe('checkWrite on the scope of records and notifications', () => {
  const moveRecord = (docId: string, patientId: string): Operation =>
    anOp({ collection: 'immunization_records', docId, kind: 'update', data: { patientId } });

  test("a health worker may not take another facility's record by moving it to its own patient", () => {
    expect(refusalPath(PRINCIPALS.health_worker, moveRecord('rec-z', 'pat-a'))).toBe('docId');
  });

  test("a health worker may not move its record to another facility's patient", () => {
    expect(refusalPath(PRINCIPALS.health_worker, moveRecord('rec-a', 'pat-z'))).toBe('docId');
  });

  test('a supervisor may move a record between patients of its facilities', () => {
    expect(write(PRINCIPALS.supervisor, moveRecord('rec-a', 'pat-b'))).toEqual(E.right(undefined));
  });

  test('a record of a patient at another facility is refused at its patientId, whatever facility it names', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-new',
      kind: 'create',
      data: { ...recordData, patientId: 'pat-z', facilityId: 'fac-a' },
    });
    expect(refusalPath(PRINCIPALS.health_worker, op)).toBe('data.patientId');
  });

  test('a notification without a patient to a user of another facility is refused at its userId', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, patientId: null, userId: 'other-user' },
    });
    expect(refusalPath(PRINCIPALS.health_worker, op)).toBe('data.userId');
  });

  test('a notification without a patient to a user of its own facility is allowed', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, patientId: null },
    });
    expect(write(PRINCIPALS.health_worker, op)).toEqual(E.right(undefined));
  });

  test('an op whose scope is still empty (an unknown patient) is left to the business rules', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-new',
      kind: 'create',
      data: { ...recordData, patientId: 'pat-unknown' },
    });
    expect(write(PRINCIPALS.health_worker, op)).toEqual(E.right(undefined));
  });

  test.each(['health_worker', 'supervisor'] as const)(
    'a %s of every facility may not write reference data',
    (role) => {
      const op = opOn('vaccines', 'update', 'own');
      expect(refusalPath(aPrincipal(role, ['*']), op)).toBe('collection');
    },
  );

  test('an auditor of every facility is refused every write, without a path', () => {
    const auditor = aPrincipal('auditor', ['*']);
    for (const op of [opOn('patients', 'update', 'own'), opOn('vaccines', 'create', 'own')]) {
      expect(leftOf(write(auditor, op))).not.toHaveProperty('path');
    }
  });

  test('checkWrite refuses by the scope it is given', () => {
    const op = opOn('patients', 'update', 'own');
    const current = lookup.document('patients', 'pat-a');
    expect(E.isRight(checkWrite(PRINCIPALS.health_worker, op, current, ['fac-a']))).toBe(true);
    expect(leftOf(checkWrite(PRINCIPALS.health_worker, op, current, ['fac-a', 'fac-z'])).path).toBe(
      'docId',
    );
  });
  test('a create of an id another facility holds is refused at docId, without naming that facility', () => {
    // pat-z lives in fac-z; the op names the worker's own facility.
    const op = anOp({
      collection: 'patients',
      docId: 'pat-z',
      kind: 'create',
      data: { ...patientData, facilityId: 'fac-a', healthWorkerId: 'health-worker-1' },
    });
    const error = leftOf(write(PRINCIPALS.health_worker, op));
    expect(error).toMatchObject({ code: 'forbidden', path: 'docId' });
    expect(error.message).not.toContain('fac-z');
  });

  test('a create at a facility that is not the principal’s names it, at its field', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-new',
      kind: 'create',
      data: { ...patientData, facilityId: 'fac-z' },
    });
    const error = leftOf(write(PRINCIPALS.health_worker, op));
    expect(error).toMatchObject({ code: 'forbidden', path: 'data.facilityId' });
    expect(error.message).toContain('fac-z');
  });
});
