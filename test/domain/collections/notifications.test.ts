import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  Notification,
  NotificationUpdate,
  notifications,
} from '../../../src/domain/collections/notifications.ts';
import { refusalOf, rightOf } from '../expect-either.ts';

const notification = {
  userId: 'hw-7',
  type: 'dose_due',
  message: 'OPV dose 2 is due',
  read: false,
};

describe('Notification', () => {
  test.prop([fc.boolean(), fc.option(fc.constantFrom('2031-01-01', '2024-02-29'))], {
    numRuns: 200,
  })(
    'a notification read or not, with or without a due date, decodes to itself',
    (read, dueDate) => {
      const value = { ...notification, read, dueDate };
      expect(rightOf(Notification.decode(value))).toEqual(value);
    },
  );

  test.each([
    ['read as text', { ...notification, read: 'yes' }, 'read'],
    ['a missing read', { userId: 'u', type: 't', message: 'm' }, 'read'],
    ["dueDate '2024-02-30'", { ...notification, dueDate: '2024-02-30' }, 'dueDate'],
    ['a userId with unicode', { ...notification, userId: 'usér' }, 'userId'],
    ['a patientId of 37 characters', { ...notification, patientId: 'p'.repeat(37) }, 'patientId'],
    ['a type of 51 characters', { ...notification, type: 't'.repeat(51) }, 'type'],
    ['an unknown priority', { ...notification, priority: 'high' }, 'priority'],
  ])('a notification with %s fails at data.%s', (_what, value, path) => {
    expect(refusalOf(Notification, value, 'data')).toMatchObject({
      code: 'invalid',
      path: `data.${path}`,
    });
  });

  test('marking a notification read is a valid update', () => {
    expect(rightOf(NotificationUpdate.decode({ read: true }))).toEqual({ read: true });
    expect(refusalOf(NotificationUpdate, { read: 1 }, 'data').path).toBe('data.read');
  });

  test('the client wins, and a notification follows its patient or else its recipient', () => {
    expect(notifications.policy).toBe('client_wins');
    expect(notifications.scope).toEqual({
      kind: 'patient',
      field: 'patientId',
      recipientField: 'userId',
    });
    expect(notifications.references).toEqual({ patientId: 'patients' });
  });
});
