/**
 * What a replica file holds, counted from its tables after the replica closed: live documents
 * per collection, and those whose view is still stale (to be settled): the benchmark's check
 * that the device reached a consistent view.
 */
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

const CensusRows = t.array(t.type({ collection: t.string, live: t.number, stale: t.number }));

/** Live and stale documents per collection. */
export const replicaCensus = (
  path: string,
): ReadonlyMap<string, { live: number; stale: number }> => {
  const db = new Database(path, { readonly: true });
  try {
    const rows = CensusRows.decode(
      db
        .prepare(
          'select collection, sum(case when created = 1 and deleted = 0 then 1 else 0 end) as live, sum(stale) as stale from documents group by collection',
        )
        .all(),
    );
    if (E.isLeft(rows)) throw new Error('unexpected replica tables');
    return new Map(rows.right.map((r) => [r.collection, { live: r.live, stale: r.stale }]));
  } finally {
    db.close();
  }
};
