/**
 * Example encodings of every message of the wire, built with the same encoders that the handlers
 * use: part of the wire's fingerprint (`wire-fingerprint.ts`), so that a change of an encoder's
 * output changes the fingerprint.
 */
import * as E from 'fp-ts/lib/Either.js';
import { syncError } from '../domain/errors.ts';
import {
  CURRENT_OP_SCHEMA,
  decodeOperation,
  encodeLoggedOp,
  type LoggedOp,
} from '../domain/operation.ts';
import { Author } from '../domain/principal.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { errorBody } from './answer.ts';
import { encodeConflict } from './wire/conflict-messages.ts';
import { heartbeatComment, pokeEvent } from './wire/events-messages.ts';
import { encodeHealthResponse } from './wire/health-messages.ts';
import { encodeHistoryResponse } from './wire/history-messages.ts';
import { encodePullResponse } from './wire/pull-messages.ts';
import { decodePushRequest, encodePushResponse } from './wire/push-messages.ts';
import { encodeSnapshotResponse } from './wire/snapshot-messages.ts';
import { encodeDeviceStatus } from './wire/status-messages.ts';

const exampleOp = {
  deviceId: 'tablet-07',
  seq: 12,
  hlc: { ms: 1764000000000, n: 0 },
  collection: 'immunization_records',
  docId: 'rec-1',
  kind: 'update',
  data: { batchNumber: 'B-2291' },
  ctx: { 'tablet-07': 11 },
  schema: CURRENT_OP_SCHEMA,
};

const exampleLoggedOp = (): LoggedOp => {
  const decoded = decodeOperation(exampleOp);
  if (E.isLeft(decoded))
    throw new Error(`bug: the example op does not decode: ${decoded.left.message}`);
  return {
    ...decoded.right.op,
    cursor: 'c1.cursor',
    author: { userId: exampleAuthorId(), role: 'health_worker' },
    receivedAt: 1764000000500,
    scope: ['fac-1'],
  };
};

const exampleAuthorId = () => {
  const author = Author.decode({ userId: 'hw-1', role: 'health_worker' });
  if (E.isLeft(author)) throw new Error('bug: the example author does not decode');
  return author.right.userId;
};

const exampleConflict = (): ConflictRecord => ({
  id: 'conflict-1',
  collection: 'patients',
  docId: 'pat-1',
  kind: 'field',
  fields: ['fullName'],
  candidates: [
    {
      deviceId: 'tablet-07',
      seq: 3,
      author: { userId: exampleAuthorId(), role: 'health_worker' },
      values: { fullName: 'A' },
    },
  ],
  winner: { deviceId: 'tablet-07', seq: 3 },
  rule: 'review',
  status: 'open',
  resolvedBy: null,
  current: true,
});

/** Example encodings of every answer, as the fingerprint takes them. */
export const wireExamples = (): unknown => {
  const op = exampleLoggedOp();
  const status = {
    deviceId: 'tablet-07',
    userId: 'hw-1',
    ackedSeq: 12,
    lastPushAt: '2025-01-01T00:00:00.000Z',
    lastPullAt: null,
    pulledCursor: null,
    behind: 0,
    rejected: 1,
    openConflicts: 0,
  };
  return {
    loggedOp: encodeLoggedOp(op),
    pushRequest: decodePushRequest({ deviceId: 'tablet-07', ops: [exampleOp] }),
    pushResponse: encodePushResponse({
      results: [
        { seq: 12, status: 'accepted', cursor: 'c1' },
        { seq: 13, status: 'duplicate', cursor: 'c0' },
        {
          seq: 14,
          status: 'rejected',
          error: syncError('invalid', 'bad date', 'data.dateAdministered'),
        },
        { seq: 16, status: 'gap', expected: 15 },
      ],
      ackedSeq: 14,
      head: 'c1',
    }),
    pullResponse: encodePullResponse({ ops: [op], next: 'c1', hasMore: false, head: 'c1' }),
    snapshot: encodeSnapshotResponse({
      docs: [
        {
          collection: 'patients',
          docId: 'pat-1',
          data: { fullName: 'A' },
          deleted: false,
          meta: { vv: {} },
        },
      ],
      cursor: 'c1',
      nextPage: null,
    }),
    poke: pokeEvent('c1'),
    heartbeat: heartbeatComment(),
    health: encodeHealthResponse('c1'),
    status: encodeDeviceStatus(status),
    history: encodeHistoryResponse({
      doc: { data: { batchNumber: 'B-2291' }, deleted: false, disputed: [] },
      timeline: [
        { op, outcome: { applied: ['batchNumber'], lost: [], defeatedBy: null, flags: [] } },
      ],
    }),
    conflict: encodeConflict(exampleConflict()),
    error: errorBody(syncError('bad_request', 'seqs must increase', 'ops.3.seq')),
  };
};
