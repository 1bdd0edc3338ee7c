/**
 * `GET /v1/history/:collection/:docId?asOf=CURSOR` (PROTOCOL.md): a document as of a cursor, and
 * what became of each of its ops.
 */
import * as t from 'io-ts';
import { encodeLoggedOp } from '../../domain/operation.ts';
import type { DocumentHistory } from '../../log/operation-log.ts';
import type { OpOutcome } from '../../projections/history.ts';

/** The history query parameters. */
export const HistoryQuery = t.exact(t.partial({ asOf: t.string }), 'HistoryQuery');

const DotJson = t.type({ deviceId: t.string, seq: t.number }, 'Dot');

/** What became of one op. */
export const OutcomeJson = t.type(
  {
    applied: t.array(t.string),
    lost: t.array(t.type({ field: t.string, to: DotJson, rule: t.string })),
    defeatedBy: t.union([DotJson, t.null]),
    flags: t.array(t.string),
  },
  'OpOutcome',
);
export type OutcomeJson = t.TypeOf<typeof OutcomeJson>;

/** The answer: the document and its timeline. */
export const HistoryResponse = t.type(
  {
    doc: t.type({ data: t.UnknownRecord, deleted: t.boolean, disputed: t.array(t.string) }),
    timeline: t.array(t.type({ op: t.UnknownRecord, outcome: OutcomeJson })),
  },
  'HistoryResponse',
);
export type HistoryResponse = t.TypeOf<typeof HistoryResponse>;

const encodeOutcome = (outcome: OpOutcome): OutcomeJson => ({
  applied: [...outcome.applied],
  lost: outcome.lost.map((lost) => ({
    field: lost.field,
    to: { deviceId: lost.to.deviceId, seq: lost.to.seq },
    rule: lost.rule,
  })),
  defeatedBy:
    outcome.defeatedBy === null
      ? null
      : { deviceId: outcome.defeatedBy.deviceId, seq: outcome.defeatedBy.seq },
  flags: [...outcome.flags],
});

/** The wire form of a document's history. */
export const encodeHistoryResponse = (history: DocumentHistory): HistoryResponse => ({
  doc: {
    data: { ...history.doc.data },
    deleted: history.doc.deleted,
    disputed: [...history.doc.disputed],
  },
  timeline: history.timeline.map((entry) => ({
    op: encodeLoggedOp(entry.op),
    outcome: encodeOutcome(entry.outcome),
  })),
});
