/**
 * `POST /v1/verify` (PROTOCOL.md): the log's integrity report, for admins.
 */
import * as t from 'io-ts';
import type { VerifyReport } from '../../log/operation-log.ts';

/** The integrity report. */
export const VerifyResponse = t.type(
  {
    ok: t.boolean,
    checked: t.type({ ops: t.number, documents: t.number, devices: t.number }),
    problems: t.array(
      t.type({
        kind: t.string,
        collection: t.union([t.string, t.null]),
        docId: t.union([t.string, t.null]),
        detail: t.string,
      }),
    ),
  },
  'VerifyResponse',
);
export type VerifyResponse = t.TypeOf<typeof VerifyResponse>;

/** The wire form of a report (exactly PROTOCOL.md's keys). */
export const encodeVerifyResponse = (report: VerifyReport): VerifyResponse => ({
  ok: report.ok,
  checked: {
    ops: report.checked.ops,
    documents: report.checked.documents,
    devices: report.checked.devices,
  },
  problems: report.problems.map((p) => ({
    kind: p.kind,
    collection: p.collection,
    docId: p.docId,
    detail: p.detail,
  })),
});
