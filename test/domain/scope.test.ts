import { describe, expect, test } from 'vitest';
import type { Operation } from '../../src/domain/operation.ts';
import { isTransfer, recipientOf, referencesOf, scopeOf } from '../../src/domain/scope.ts';
import {
  anOp,
  facilityData,
  lookupOf,
  notificationData,
  patientData,
  recordData,
  vaccineData,
  viewOf,
} from './fixtures.ts';

const patientA = viewOf('patients', 'pat-a', patientData);
/** A patient transferred from fac-a to fac-b: its records still name fac-a as where they were given. */
const patientMoved = viewOf('patients', 'pat-moved', { ...patientData, facilityId: 'fac-b' });
const patientZ = viewOf('patients', 'pat-z', { ...patientData, facilityId: 'fac-z' });
const record = viewOf('immunization_records', 'rec-1', recordData);
const movedRecord = viewOf('immunization_records', 'rec-moved', {
  ...recordData,
  patientId: 'pat-moved',
});
const patientNote = viewOf('notifications', 'note-1', notificationData);
const userNote = viewOf('notifications', 'note-2', { ...notificationData, patientId: null });

const lookup = lookupOf([patientA, patientMoved, patientZ, record, movedRecord], {
  'health-worker-1': ['fac-a', 'fac-b'],
  'admin-1': ['*'],
});

const scope = (op: Operation): readonly string[] =>
  scopeOf(op, lookup.document(op.collection, op.docId), lookup);

describe('scopeOf', () => {
  test.each([
    ['facilities', 'fac-new', facilityData],
    ['vaccines', 'vac-new', vaccineData],
  ] as const)('a create of %s is read by every facility', (collection, docId, data) => {
    expect(scope(anOp({ collection, docId, kind: 'create', data }))).toEqual(['*']);
  });

  test.each(['update', 'delete', 'restore'] as const)(
    'a %s of reference data is read by every facility',
    (kind) => {
      const current = viewOf('vaccines', 'vac-penta', vaccineData);
      const op = anOp({
        collection: 'vaccines',
        docId: 'vac-penta',
        kind,
        ...(kind === 'update' ? { data: { doses: 4 } } : {}),
      });
      expect(scopeOf(op, current, lookup)).toEqual(['*']);
    },
  );

  test('a patient create is read by the facility it names', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-new',
      kind: 'create',
      data: patientData,
    });
    expect(scope(op)).toEqual(['fac-a']);
  });

  test.each([
    ['an update of other fields', { kind: 'update', data: { fullName: 'Achieng Auma' } }],
    ['an update that repeats its facility', { kind: 'update', data: { facilityId: 'fac-a' } }],
    ['a delete', { kind: 'delete' }],
    ['a restore', { kind: 'restore' }],
  ] as const)('%s of a patient is read by its current facility', (_, fields) => {
    expect(scope(anOp({ collection: 'patients', docId: 'pat-a', ...fields }))).toEqual(['fac-a']);
  });

  test('a transfer is read by the old facility and the new one, the old first', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-a',
      kind: 'update',
      data: { facilityId: 'fac-b' },
    });
    expect(scope(op)).toEqual(['fac-a', 'fac-b']);
  });

  test("a record create is read by its patient's facility, not the one the record names", () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-new',
      kind: 'create',
      data: { ...recordData, patientId: 'pat-z' },
    });
    expect(scope(op)).toEqual(['fac-z']);
  });

  test.each([
    ['an update', { kind: 'update', data: { batchNumber: 'B-2291' } }],
    ['a delete', { kind: 'delete' }],
    ['a restore', { kind: 'restore' }],
  ] as const)("%s of a record follows its patient's current facility", (_, fields) => {
    const op = anOp({ collection: 'immunization_records', docId: 'rec-moved', ...fields });
    expect(scope(op)).toEqual(['fac-b']);
  });

  test("a record that moves to another patient is read by both patients' facilities", () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-1',
      kind: 'update',
      data: { patientId: 'pat-z' },
    });
    expect(scope(op)).toEqual(['fac-a', 'fac-z']);
  });

  test("a notification that leaves its patient is read by the patient's facility and the recipient's", () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-1',
      kind: 'update',
      data: { patientId: null },
    });
    const before = viewOf('notifications', 'note-1', { ...notificationData, patientId: 'pat-z' });
    expect(scopeOf(op, before, lookup)).toEqual(['fac-z', 'fac-a', 'fac-b']);
  });

  test("a notification with a patient follows the patient's current facility", () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, patientId: 'pat-moved' },
    });
    expect(scope(op)).toEqual(['fac-b']);
  });

  test.each([
    [
      'without a patientId',
      { userId: 'health-worker-1', type: 'message', message: 'Hi', read: false },
    ],
    ['with a null patientId', { ...notificationData, patientId: null }],
  ] as const)("a notification %s is read by its recipient's facilities", (_, data) => {
    const op = anOp({ collection: 'notifications', docId: 'note-new', kind: 'create', data });
    expect(scope(op)).toEqual(['fac-a', 'fac-b']);
  });

  test("an update of a notification without a patient keeps its recipient's facilities", () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-2',
      kind: 'update',
      data: { read: true },
    });
    expect(scopeOf(op, userNote, lookup)).toEqual(['fac-a', 'fac-b']);
  });

  test('a notification to a user of every facility is read by every facility', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, userId: 'admin-1', patientId: null },
    });
    expect(scope(op)).toEqual(['*']);
  });

  test('a notification to a user with no facilities has an empty scope', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, userId: 'stranger', patientId: null },
    });
    expect(scope(op)).toEqual([]);
  });

  test.each([
    ['immunization_records', { ...recordData, patientId: 'pat-unknown' }],
    ['notifications', { ...notificationData, patientId: 'pat-unknown' }],
  ] as const)('an op of %s whose patient is unknown has an empty scope', (collection, data) => {
    expect(scope(anOp({ collection, docId: 'doc-new', kind: 'create', data }))).toEqual([]);
  });

  test('a notification update follows its patient, whatever the update writes', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-1',
      kind: 'update',
      data: { userId: 'admin-1' },
    });
    expect(scopeOf(op, patientNote, lookup)).toEqual(['fac-a']);
  });
});

describe('isTransfer', () => {
  const transfer = anOp({
    collection: 'patients',
    docId: 'pat-a',
    kind: 'update',
    data: { facilityId: 'fac-b' },
  });

  test('an update that changes the facility of an existing patient is a transfer', () => {
    expect(isTransfer(transfer, patientA)).toBe(true);
  });

  test('the same update without a current patient is not a transfer', () => {
    expect(isTransfer(transfer, undefined)).toBe(false);
  });

  test.each([
    ['an update that repeats the facility', { kind: 'update', data: { facilityId: 'fac-a' } }],
    ['an update of other fields', { kind: 'update', data: { fullName: 'Achieng Auma' } }],
    ['a delete', { kind: 'delete' }],
    ['a restore', { kind: 'restore' }],
  ] as const)('%s of a patient is not a transfer', (_, fields) => {
    expect(isTransfer(anOp({ collection: 'patients', docId: 'pat-a', ...fields }), patientA)).toBe(
      false,
    );
  });

  test('a create of a patient is not a transfer', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-a',
      kind: 'create',
      data: { ...patientData, facilityId: 'fac-b' },
    });
    expect(isTransfer(op, patientA)).toBe(false);
  });

  test('a record update that changes the facility it names is not a transfer', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-1',
      kind: 'update',
      data: { facilityId: 'fac-b' },
    });
    expect(isTransfer(op, record)).toBe(false);
  });
});

describe('referencesOf', () => {
  test('a record create names its patient, vaccine and facility', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-new',
      kind: 'create',
      data: recordData,
    });
    expect(referencesOf(op, undefined)).toEqual([
      { collection: 'patients', docId: 'pat-a' },
      { collection: 'vaccines', docId: 'vac-penta' },
      { collection: 'facilities', docId: 'fac-a' },
    ]);
  });

  test('a record update that writes no reference names the current ones', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-1',
      kind: 'update',
      data: { batchNumber: 'B-2291' },
    });
    expect(referencesOf(op, record)).toEqual([
      { collection: 'patients', docId: 'pat-a' },
      { collection: 'vaccines', docId: 'vac-penta' },
      { collection: 'facilities', docId: 'fac-a' },
    ]);
  });

  test('a record that moves to another patient names the new patient and the old one', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-1',
      kind: 'update',
      data: { patientId: 'pat-z' },
    });
    const refs = referencesOf(op, record);
    expect(refs).toContainEqual({ collection: 'patients', docId: 'pat-z' });
    expect(refs).toContainEqual({ collection: 'patients', docId: 'pat-a' });
  });

  test('a patient names its facility', () => {
    const op = anOp({ collection: 'patients', docId: 'pat-a', kind: 'delete' });
    expect(referencesOf(op, patientA)).toEqual([{ collection: 'facilities', docId: 'fac-a' }]);
  });

  test('a transfer names the facility it moves the patient to', () => {
    const op = anOp({
      collection: 'patients',
      docId: 'pat-a',
      kind: 'update',
      data: { facilityId: 'fac-b' },
    });
    expect(referencesOf(op, patientA)).toContainEqual({ collection: 'facilities', docId: 'fac-b' });
  });

  test('a document is named once even when the op repeats it', () => {
    const op = anOp({
      collection: 'immunization_records',
      docId: 'rec-1',
      kind: 'update',
      data: { patientId: 'pat-a' },
    });
    expect(referencesOf(op, record)).toHaveLength(3);
  });

  test('a notification names its patient, and nothing without one', () => {
    const withPatient = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: notificationData,
    });
    const withoutPatient = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, patientId: null },
    });
    expect(referencesOf(withPatient, undefined)).toEqual([
      { collection: 'patients', docId: 'pat-a' },
    ]);
    expect(referencesOf(withoutPatient, undefined)).toEqual([]);
  });

  test('reference data names nothing', () => {
    const op = anOp({
      collection: 'facilities',
      docId: 'fac-new',
      kind: 'create',
      data: facilityData,
    });
    expect(referencesOf(op, undefined)).toEqual([]);
  });
});

describe('recipientOf', () => {
  test('a notification without a patient is scoped by its recipient', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-new',
      kind: 'create',
      data: { ...notificationData, patientId: null },
    });
    expect(recipientOf(op, undefined)).toBe('health-worker-1');
  });

  test('an update of a notification without a patient is scoped by its current recipient', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-2',
      kind: 'update',
      data: { read: true },
    });
    expect(recipientOf(op, userNote)).toBe('health-worker-1');
  });

  test('a notification with a patient has no recipient scope', () => {
    const op = anOp({
      collection: 'notifications',
      docId: 'note-1',
      kind: 'update',
      data: { read: true },
    });
    expect(recipientOf(op, patientNote)).toBeUndefined();
  });

  test.each([
    ['patients', 'pat-a', patientData],
    ['immunization_records', 'rec-1', recordData],
    ['facilities', 'fac-new', facilityData],
  ] as const)('an op of %s has no recipient', (collection, docId, data) => {
    expect(
      recipientOf(anOp({ collection, docId, kind: 'create', data }), undefined),
    ).toBeUndefined();
  });
});
