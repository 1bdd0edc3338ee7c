/**
 * Logged ops to `ops` rows and back. The row keeps the op as decoded (current schema, unknown
 * fields dropped) in `body`, and beside it what the append stamped: author, receive time,
 * scope, flags and the chain hash. Reading a row decodes `body` with the same decoder a push
 * goes through, so a stored op is never trusted by a cast.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Selectable } from 'kysely';
import { reportValidation } from '../domain/errors.ts';
import { Hlc, zero } from '../domain/hlc.ts';
import { decodeOperation, encodeOperation, type LoggedOp } from '../domain/operation.ts';
import { Author } from '../domain/principal.ts';
import type { OpFlag } from '../domain/rules.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import type { LogIdentity } from './log-identity.ts';
import type { OpsTable } from './log-tables.ts';
import { CorruptRowError, FacilityIds, OpFlags, parseJson, readJsonText } from './stored-json.ts';

export type OpRow = Selectable<OpsTable>;

/** The row of an op about to be appended at `position`. */
export const opRowOf = (
  op: LoggedOp,
  position: number,
  flags: readonly OpFlag[],
  hash: string,
): OpRow => ({
  position,
  device_id: op.deviceId,
  seq: op.seq,
  collection: op.collection,
  doc_id: op.docId,
  body: JSON.stringify(encodeOperation(op)),
  author_user_id: op.author.userId,
  author_role: op.author.role,
  received_at: op.receivedAt,
  scope: JSON.stringify(op.scope),
  flags: JSON.stringify(flags),
  hash,
});

/** The logged op of a row, or why the row does not hold one. */
export const decodeOpRow = (identity: LogIdentity, row: OpRow): E.Either<string, LoggedOp> => {
  const raw = parseJson(row.body);
  if (E.isLeft(raw)) return raw;
  const decoded = decodeOperation(raw.right);
  if (E.isLeft(decoded)) return E.left(`body: ${decoded.left.message}`);
  const op = decoded.right.op;
  const author = Author.decode({ userId: row.author_user_id, role: row.author_role });
  if (E.isLeft(author))
    return E.left(`author: ${reportValidation('invalid', author.left).message}`);
  const scope = parseJson(row.scope);
  if (E.isLeft(scope)) return E.left(`scope: ${scope.left}`);
  const scopeIds = FacilityIds.decode(scope.right);
  if (E.isLeft(scopeIds)) return E.left('scope: expected a list of facility ids');
  if (
    op.deviceId !== row.device_id ||
    op.seq !== row.seq ||
    op.collection !== row.collection ||
    op.docId !== row.doc_id
  ) {
    return E.left('the indexed columns disagree with the body');
  }
  return E.right({
    ...op,
    author: author.right,
    receivedAt: row.received_at,
    cursor: encodeCursor(identity, positionOf(row.position)),
    scope: scopeIds.right,
  });
};

/** The logged op of a row the log wrote; throws `CorruptRowError` when it does not decode. */
export const readOpRow = (identity: LogIdentity, row: OpRow): LoggedOp => {
  const decoded = decodeOpRow(identity, row);
  if (E.isLeft(decoded)) {
    throw new CorruptRowError(`op ${row.device_id}:${row.seq} at ${row.position}`, decoded.left);
  }
  return decoded.right;
};

/**
 * How many decoded ops each log keeps, by position (see `readRecentOpRow`): an op is read soon
 * after its append by every device of its facility that pulls, and a document edited
 * concurrently is re-folded from all of its ops at each concurrent edit. 14 MiB of heap for
 * 20,000 ops of the benchmarks' data set (patients and their immunization records).
 */
export const RECENT_OPS = 20_000;

/**
 * The kept ops of one log, by position modulo `RECENT_OPS` (as `cursor.ts` keeps cursors), each
 * with the chain hash of the row it was decoded from.
 */
class RecentOps {
  readonly #positions = new Float64Array(RECENT_OPS);
  readonly #hashes: (string | undefined)[] = new Array<string | undefined>(RECENT_OPS);
  readonly #ops: (LoggedOp | undefined)[] = new Array<LoggedOp | undefined>(RECENT_OPS);

  get(row: OpRow): LoggedOp | undefined {
    const slot = row.position % RECENT_OPS;
    return this.#positions[slot] === row.position && this.#hashes[slot] === row.hash
      ? this.#ops[slot]
      : undefined;
  }

  set(row: OpRow, op: LoggedOp): void {
    const slot = row.position % RECENT_OPS;
    this.#positions[slot] = row.position;
    this.#hashes[slot] = row.hash;
    this.#ops[slot] = op;
  }
}

const recentOps = new WeakMap<LogIdentity, RecentOps>();

/**
 * `readOpRow` for the reads that come back to the same ops (pull pages, a document's ops,
 * re-folds): an op decoded from a row of the same position and the same chain hash is given
 * again instead of decoded again. The chain hash covers every field of the logged op but its
 * cursor, which its position gives, so a row of that position and hash holds that op: a position
 * taken again after a rolled-back append holds another hash. `verify` and the other readers that
 * check the stored rows themselves decode every row (`decodeOpRow`, `readOpRow`).
 */
export const readRecentOpRow = (identity: LogIdentity, row: OpRow): LoggedOp => {
  let recent = recentOps.get(identity);
  if (recent === undefined) {
    recent = new RecentOps();
    recentOps.set(identity, recent);
  }
  const known = row.hash === '' ? undefined : recent.get(row);
  if (known !== undefined) return known;
  const op = readOpRow(identity, row);
  if (row.hash !== '') recent.set(row, op);
  return op;
};

/** The flags of a row. */
export const flagsOfRow = (row: Pick<OpRow, 'flags' | 'device_id' | 'seq'>): readonly OpFlag[] =>
  readJsonText(OpFlags, row.flags, `flags of ${row.device_id}:${row.seq}`);

const BodyClock = t.type({ hlc: Hlc });

/**
 * The clock of the op a row's `body` holds (`zero` without a row): a server device's next op
 * ticks from its last accepted one, so that its clock never goes back (DESIGN.md, `hlc`), even
 * when the server's wall clock does.
 */
export const clockOfBody = (body: string | undefined, what: string): Hlc =>
  body === undefined ? zero : readJsonText(BodyClock, body, what).hlc;
