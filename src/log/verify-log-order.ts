/**
 * The checks of `verify` on the log read in position order (DESIGN.md section 4, "Integrity"),
 * shared by the SQL log (`verify.ts`) and the TablesDB log, pure as `verify-checks.ts`'s.
 *
 * Invariants:
 * 1. A recorded log digest (`LogDigest`, kept outside the store) must equal the digest of the
 *    log up to its position: it pins the order of the devices' ops among each other, which no
 *    device's chain holds.
 * 2. Each op is visible from its own position to exactly the facilities of its scope, and every
 *    visibility entry names ops the log holds (the history a transfer reveals is not re-derived
 *    here: only that its ops exist).
 * 3. Problems come in the same order whichever backend read the rows.
 */
import { createHash, type Hash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import type { OpRow } from './op-rows.ts';
import type { LogDigest, VerifyProblem } from './operation-log.ts';
import { decodeJsonText, FacilityIds } from './stored-json.ts';

/** What the log digest reads of an op row (see `LogDigest`). */
type DigestedRow = Pick<OpRow, 'position' | 'device_id' | 'seq' | 'hash'>;

/**
 * The digest of the log (`LogDigest`), fed its op rows in position order, and its value at a
 * recorded digest's position, to compare with it.
 */
export class LogDigester {
  readonly #hash: Hash = createHash('sha256');
  readonly #pinned: number | undefined;
  #atPinned: string | undefined;

  constructor(pinned?: number) {
    this.#pinned = pinned;
  }

  add(row: DigestedRow): void {
    if (this.#pinned !== undefined && this.#atPinned === undefined && row.position > this.#pinned) {
      this.#atPinned = this.#hash.copy().digest('hex');
    }
    this.#hash.update(`${row.position}\t${row.device_id}\t${row.seq}\t${row.hash}\n`);
  }

  /** The digest of every row added, which were those up to `head`. */
  digest(head: number): LogDigest {
    return { position: head, digest: this.#hash.copy().digest('hex') };
  }

  /** The digest of the rows up to the pinned position. */
  pinnedDigest(): string {
    return this.#atPinned ?? this.#hash.copy().digest('hex');
  }
}

/** The log against its recorded digest, if one was given (`digester` pinned at its position). */
export const logDigestProblems = (
  recorded: LogDigest | undefined,
  head: number,
  digester: LogDigester,
): readonly VerifyProblem[] => {
  if (recorded === undefined) return [];
  const problem = (detail: string): readonly VerifyProblem[] => [
    { kind: 'chain', collection: null, docId: null, detail },
  ];
  if (head < recorded.position) {
    return problem(
      `the log ends at position ${head}, before position ${recorded.position} of its recorded digest: ops were removed`,
    );
  }
  return digester.pinnedDigest() === recorded.digest
    ? []
    : problem(
        `the log up to position ${recorded.position} differs from its recorded digest: an op there was changed, moved, added or removed`,
      );
};

const facilityList = (facilities: readonly string[]): string =>
  facilities.length === 0 ? 'no facility' : facilities.join(', ');

/**
 * An op's own visibility (invariant 6): the facilities that may read it from its own position
 * must be exactly those of its scope. A scope that does not read is the op checks' to report.
 */
export const ownVisibilityProblems = (
  op: Pick<OpRow, 'position' | 'device_id' | 'seq' | 'collection' | 'doc_id' | 'scope'>,
  facilities: readonly string[],
): readonly VerifyProblem[] => {
  const scope = decodeJsonText(FacilityIds, op.scope);
  if (E.isLeft(scope)) return [];
  const expected = [...new Set(scope.right)].sort();
  const actual = [...new Set(facilities)].sort();
  if (expected.length === actual.length && expected.every((f, i) => f === actual[i])) return [];
  return [
    {
      kind: 'visibility',
      collection: op.collection,
      docId: op.doc_id,
      detail: `op ${op.device_id}:${op.seq} is visible from its position to ${facilityList(actual)}, not to its scope: ${facilityList(expected)}`,
    },
  ];
};

/** A visibility entry: `op` is visible to `facility` from position `at` on. */
export interface VisibilityEntry {
  readonly facility: string;
  readonly at: number;
  readonly op: number;
}

/**
 * The visibility entries that name a position holding no op (invariant 6), in `(at, op,
 * facility)` order whichever backend read them.
 */
export const strayVisibilityProblems = (
  entries: readonly VisibilityEntry[],
  holdsOp: (position: number) => boolean,
): readonly VerifyProblem[] =>
  entries
    .flatMap((entry) => {
      const missing = [entry.at, entry.op].find((p) => !holdsOp(p));
      return missing === undefined ? [] : [{ ...entry, missing }];
    })
    .sort((a, b) => a.at - b.at || a.op - b.op || (a.facility < b.facility ? -1 : 1))
    .map((entry) => ({
      kind: 'visibility' as const,
      collection: null,
      docId: null,
      detail: `the visibility of position ${entry.op} to ${entry.facility} from position ${entry.at} names position ${entry.missing}, which holds no op`,
    }));
