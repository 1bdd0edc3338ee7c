/**
 * `notifications`: reminders and messages to a user; the client wins (a device marking one read
 * beats a concurrent server edit). Scope follows the patient, or the recipient without one.
 */
import * as fc from 'fast-check';
import * as t from 'io-ts';
import { calendarDate, docIdArb, partialOf, textOf, userIdArb } from '../arbitraries.ts';
import type { CollectionSpec, DocumentData } from '../collection.ts';
import { DocId, UserId } from '../ids.ts';
import { CalendarDate, text } from '../scalars.ts';
import { nullable, strictStruct } from '../strict-struct.ts';

const required = { userId: UserId, type: text(50), message: text(2000), read: t.boolean };
const optional = { patientId: nullable(DocId), dueDate: nullable(CalendarDate) };

export const Notification = strictStruct('Notification', required, optional);
export type Notification = t.TypeOf<typeof Notification>;
export const NotificationUpdate = strictStruct(
  'NotificationUpdate',
  {},
  { ...required, ...optional },
  { nonEmpty: true },
);

const arbitraryNotification: fc.Arbitrary<Notification> = fc.record(
  {
    userId: userIdArb(),
    type: fc.constantFrom('dose_due', 'dose_overdue', 'transfer', 'message'),
    message: textOf(2000),
    read: fc.boolean(),
    patientId: fc.option(docIdArb(), { nil: null }),
    dueDate: fc.option(calendarDate('2020-01-01', '2030-12-31'), { nil: null }),
  },
  { requiredKeys: ['userId', 'type', 'message', 'read'] },
);

export const notifications: CollectionSpec = {
  name: 'notifications',
  create: Notification,
  update: NotificationUpdate,
  fieldNames: ['userId', 'patientId', 'type', 'message', 'dueDate', 'read'],
  policy: 'client_wins',
  fields: {},
  references: { patientId: 'patients' },
  writers: ['health_worker', 'supervisor', 'admin'],
  scope: { kind: 'patient', field: 'patientId', recipientField: 'userId' },
  arbitrary: {
    create: arbitraryNotification.map((doc): DocumentData => doc),
    update: partialOf(arbitraryNotification).map((doc): DocumentData => doc),
  },
};
