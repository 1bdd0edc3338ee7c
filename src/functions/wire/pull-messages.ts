/**
 * `GET /v1/pull?after=CURSOR&limit=N&deviceId=ID` (PROTOCOL.md): the query and the page it is
 * answered with. `limit` outside 1..5000 or a malformed `deviceId` is `400 bad_request` at the
 * parameter; the cursor is the log's to judge (`bad_cursor`, `reset_required`).
 */
import * as t from 'io-ts';
import { DeviceId } from '../../domain/ids.ts';
import { encodeLoggedOp } from '../../domain/operation.ts';
import type { PullPage } from '../../log/operation-log.ts';
import { IntParam } from './query-params.ts';

/** The page size of a pull without `limit`. */
export const DEFAULT_PULL_LIMIT = 1000;
/** The largest `limit` of a pull. */
export const MAX_PULL_LIMIT = 5000;

/** The pull's query parameters. */
export const PullQuery = t.exact(
  t.partial({
    after: t.string,
    limit: IntParam(1, MAX_PULL_LIMIT, 'PullLimit'),
    deviceId: DeviceId,
  }),
  'PullQuery',
);
export type PullQuery = t.TypeOf<typeof PullQuery>;

/** A page of logged ops; each op decodes with `decodeLoggedOp`. */
export const PullResponse = t.type(
  { ops: t.array(t.UnknownRecord), next: t.string, hasMore: t.boolean, head: t.string },
  'PullResponse',
);
export type PullResponse = t.TypeOf<typeof PullResponse>;

/** The wire form of a page. */
export const encodePullResponse = (page: PullPage): PullResponse => ({
  ops: page.ops.map(encodeLoggedOp),
  next: page.next,
  hasMore: page.hasMore,
  head: page.head,
});
