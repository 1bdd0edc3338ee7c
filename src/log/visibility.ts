/**
 * The visibility index (DESIGN.md section 4, "Scope"): which ops each facility may read, and
 * from which position on.
 *
 * Every accepted op gets a row `(facility, position, position)` per facility of its scope (`*`
 * for reference data). When a document arrives at a facility (a patient's transfer, a record
 * moved to another patient), rows `(facility, T, p)` make its whole history visible there at the
 * arrival's position `T`: a reader of that facility meets those ops after everything it had
 * already read, carrying their own cursors, and pages with `next`.
 *
 * Invariants:
 * 1. The index is append-only: what a facility could read it can always read again from the
 *    same cursor, so pages are immutable for a given cursor range.
 * 2. Admins, auditors and principals listing `*` read the log itself, in position order.
 */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import { ALL_FACILITIES, type Principal, readsEverything } from '../domain/principal.ts';
import type { LogPosition } from './cursor.ts';
import type { LogTables } from './log-tables.ts';
import type { OpRow } from './op-rows.ts';

/**
 * The facilities whose visibility rows a principal reads (`*` included), or `undefined` for a
 * principal that reads the whole log.
 */
export const readingFacilities = (principal: Principal): readonly string[] | undefined =>
  readsEverything(principal.role) || principal.facilityIds.includes(ALL_FACILITIES)
    ? undefined
    : [...new Set([...principal.facilityIds, ALL_FACILITIES])];

/** Positions of the ops of a patient and of every document that follows it, before `before`. */
export const patientHistory = async (
  db: Kysely<LogTables>,
  patientId: string,
  before: number,
): Promise<readonly number[]> => {
  const own = await db
    .selectFrom('ops')
    .select('position')
    .where('collection', '=', 'patients')
    .where('doc_id', '=', patientId)
    .where('position', '<', before)
    .execute();
  const followers = await db
    .selectFrom('ops')
    .innerJoin('documents', (join) =>
      join
        .onRef('documents.collection', '=', 'ops.collection')
        .onRef('documents.doc_id', '=', 'ops.doc_id'),
    )
    .select('ops.position')
    .where('documents.patient_id', '=', patientId)
    .where('ops.position', '<', before)
    .execute();
  return [...own, ...followers].map((r) => r.position);
};

/** Positions of the ops of one document, before `before`. */
export const documentHistory = async (
  db: Kysely<LogTables>,
  collection: string,
  docId: string,
  before: number,
): Promise<readonly number[]> => {
  const rows = await db
    .selectFrom('ops')
    .select('position')
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .where('position', '<', before)
    .execute();
  return rows.map((r) => r.position);
};

/** `(at, op) > after` on visibility rows, in a form both dialects index well. */
const afterPosition = (after: LogPosition) => (eb: ExpressionBuilder<LogTables, 'visibility'>) =>
  eb.and([
    eb('at_position', '>=', after.at),
    eb.or([eb('at_position', '>', after.at), eb('op_position', '>', after.op)]),
  ]);

/**
 * The distinct visibility positions of `facilities` in `(after, (head, head)]`, at most `limit`
 * (undefined: all), as a subquery: one index range scan per facility, merged.
 */
const visiblePositionsQuery = (
  db: Kysely<LogTables>,
  facilities: readonly string[],
  after: LogPosition,
  head: number,
  limit: number | undefined,
) => {
  const arms = facilities.map((facility) => {
    const arm = db
      .selectFrom('visibility')
      .select(['at_position', 'op_position'])
      .where('facility_id', '=', facility)
      .where(afterPosition(after))
      .where('at_position', '<=', head)
      .orderBy('at_position')
      .orderBy('op_position');
    return db.selectFrom((limit === undefined ? arm : arm.limit(limit)).as('a')).selectAll();
  });
  const [first, ...rest] = arms;
  if (first === undefined) throw new Error('bug: a reader without facilities');
  return rest.reduce((acc, arm) => acc.union(arm), first);
};

/** The first position after `after` that an op takes in position order (the whole log). */
const firstPositionAfter = (after: LogPosition): number =>
  after.op < after.at ? after.at : after.at + 1;

/** A page of visible ops: each op row with the position at which the reader meets it. */
export interface VisibleRow {
  readonly at: number;
  readonly row: OpRow;
}

/**
 * Ops visible to `facilities` (undefined: the whole log) after `after` and up to the head, in
 * visibility order, at most `limit`.
 */
export const visibleOpsAfter = async (
  db: Kysely<LogTables>,
  facilities: readonly string[] | undefined,
  after: LogPosition,
  head: number,
  limit: number,
): Promise<readonly VisibleRow[]> => {
  if (facilities === undefined) {
    const rows = await db
      .selectFrom('ops')
      .selectAll()
      .where('position', '>=', firstPositionAfter(after))
      .where('position', '<=', head)
      .orderBy('position')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ at: row.position, row }));
  }
  const rows = await db
    .selectFrom(visiblePositionsQuery(db, facilities, after, head, limit).as('v'))
    .innerJoin('ops', 'ops.position', 'v.op_position')
    .selectAll('ops')
    .select('v.at_position')
    .orderBy('v.at_position')
    .orderBy('v.op_position')
    .limit(limit)
    .execute();
  return rows.map(({ at_position, ...row }) => ({ at: at_position, row }));
};

/** How many ops are visible to `facilities` (undefined: the whole log) after `after`, up to the head. */
export const countVisibleAfter = async (
  db: Kysely<LogTables>,
  facilities: readonly string[] | undefined,
  after: LogPosition,
  head: number,
): Promise<number> => {
  // Positions are contiguous (1 to the head), so the whole log needs no query.
  if (facilities === undefined) return Math.max(0, head - firstPositionAfter(after) + 1);
  const row = await db
    .selectFrom(visiblePositionsQuery(db, facilities, after, head, undefined).as('v'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

/** True when an op is visible to `facilities` (undefined: the whole log) after `after`. */
export const anyVisibleAfter = async (
  db: Kysely<LogTables>,
  facilities: readonly string[] | undefined,
  after: LogPosition,
  head: number,
): Promise<boolean> => (await visibleOpsAfter(db, facilities, after, head, 1)).length > 0;

/** The ops of one document visible to `facilities` (undefined: all of them), in position order. */
export const visibleDocumentOps = async (
  db: Kysely<LogTables>,
  facilities: readonly string[] | undefined,
  collection: string,
  docId: string,
): Promise<readonly OpRow[]> => {
  let query = db
    .selectFrom('ops')
    .selectAll()
    .where('collection', '=', collection)
    .where('doc_id', '=', docId);
  if (facilities !== undefined) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('visibility')
          .select(sql.lit(1).as('one'))
          .whereRef('visibility.op_position', '=', 'ops.position')
          .where('visibility.facility_id', 'in', facilities),
      ),
    );
  }
  return query.orderBy('position').execute();
};

/**
 * A condition on a table with `collection` and `doc_id` columns (documents, conflicts): the
 * document is visible now to one of `facilities`, by its own facilities or its patient's.
 */
export const documentVisibleTo =
  (facilities: readonly string[], table: 'documents' | 'conflicts') =>
  (eb: ExpressionBuilder<LogTables, 'documents' | 'conflicts'>) =>
    eb.or([
      eb.exists(
        eb
          .selectFrom('document_facilities as f')
          .select(sql.lit(1).as('one'))
          .whereRef('f.collection', '=', `${table}.collection`)
          .whereRef('f.doc_id', '=', `${table}.doc_id`)
          .where('f.facility_id', 'in', facilities),
      ),
      eb.exists(
        eb
          .selectFrom('documents as d')
          .innerJoin('document_facilities as pf', (join) =>
            join.on('pf.collection', '=', 'patients').onRef('pf.doc_id', '=', 'd.patient_id'),
          )
          .select(sql.lit(1).as('one'))
          .whereRef('d.collection', '=', `${table}.collection`)
          .whereRef('d.doc_id', '=', `${table}.doc_id`)
          .where('pf.facility_id', 'in', facilities),
      ),
    ]);

/** The facilities a document is visible to now (its own, or its patient's). */
export const facilitiesOfDocument = async (
  db: Kysely<LogTables>,
  collection: string,
  docId: string,
): Promise<readonly string[] | undefined> => {
  const doc = await db
    .selectFrom('documents')
    .select(['patient_id'])
    .where('collection', '=', collection)
    .where('doc_id', '=', docId)
    .executeTakeFirst();
  if (doc === undefined) return undefined;
  const [ownCollection, ownId] =
    doc.patient_id === null ? [collection, docId] : ['patients', doc.patient_id];
  const rows = await db
    .selectFrom('document_facilities')
    .select('facility_id')
    .where('collection', '=', ownCollection)
    .where('doc_id', '=', ownId)
    .execute();
  return rows.map((r) => r.facility_id);
};
