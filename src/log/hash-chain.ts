/**
 * The per-device hash chain (DESIGN.md section 4, "Integrity"): each accepted op of a device
 * stores `sha256(previous hash + "\n" + canonical JSON of the logged op)`, the first one chaining
 * from the empty string. Changing, removing or reordering a logged op breaks every later link,
 * which `verify` reports.
 *
 * The hashed record is what the append fixed for good: the op as decoded, its author, its
 * receive time and its scope (not its cursor, whose text depends on the epoch's secret).
 */
import { hash } from 'node:crypto';
import { encodeOperation, type LoggedOp } from '../domain/operation.ts';
import { canonicalJson } from './canonical-json.ts';

/** The hash a device's chain starts from. */
export const GENESIS_HASH = '';

/** The ISO text of an op's receive time; the ops of a batch share one, so the last is kept. */
let receivedAtMemo: { readonly ms: number; readonly iso: string } | undefined;
const receivedAtText = (ms: number): string => {
  if (receivedAtMemo?.ms !== ms) receivedAtMemo = { ms, iso: new Date(ms).toISOString() };
  return receivedAtMemo.iso;
};

/** The record the chain hashes for one op. */
export const chainedRecordOf = (op: LoggedOp): Record<string, unknown> => ({
  ...encodeOperation(op),
  author: { role: op.author.role, userId: op.author.userId },
  receivedAt: receivedAtText(op.receivedAt),
  scope: op.scope,
});

const text = (value: string | number): string => JSON.stringify(value);

/**
 * `canonicalJson(chainedRecordOf(op))`, written directly: the record's keys in their sorted
 * order, and only the parts whose keys vary (context, data, scope) through `canonicalJson`. Every
 * accepted op is hashed once on append and again by `verify`; building the record and sorting
 * it cost more than the hash. A property test proves the two texts equal.
 */
export const chainedText = (op: LoggedOp): string => {
  const data =
    op.kind === 'create' || op.kind === 'update' ? `,"data":${canonicalJson(op.data)}` : '';
  return (
    `{"author":{"role":${text(op.author.role)},"userId":${text(op.author.userId)}}` +
    `,"collection":${text(op.collection)},"ctx":${canonicalJson(op.ctx)}${data}` +
    `,"deviceId":${text(op.deviceId)},"docId":${text(op.docId)}` +
    `,"hlc":{"ms":${text(op.hlc.ms)},"n":${text(op.hlc.n)}},"kind":${text(op.kind)}` +
    `,"receivedAt":${text(receivedAtText(op.receivedAt))},"schema":${text(op.schema)}` +
    `,"scope":${canonicalJson(op.scope)},"seq":${text(op.seq)}}`
  );
};

/**
 * The link that follows `previous` for `op` (hex). Hashed in one call (`crypto.hash`, Node
 * 20.12): a hash object per link cost 2.4 times as much (1.95 against 0.8 µs for an op's record),
 * and every accepted op is linked on append and again by `verify`.
 */
export const chainHash = (previous: string, op: LoggedOp): string =>
  hash('sha256', `${previous}\n${chainedText(op)}`, 'hex');
