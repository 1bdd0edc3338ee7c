/** The contract's store manipulations on the SQL log (kysely on its tables). */
import type { SqlOperationLog } from '../../src/log/sql-operation-log.ts';
import type { LogTamper } from './contract/log-fixture.ts';

/** Tampers with the tables of a SQL log. */
export const sqlTamper = (log: SqlOperationLog): LogTamper => ({
  storedDocIds: async (collection) =>
    (
      await log.db
        .selectFrom('documents')
        .select('doc_id')
        .where('collection', '=', collection)
        .execute()
    ).map((row) => row.doc_id),
  rewriteOpBody: async (deviceId, seq, rewrite) => {
    const row = await log.db
      .selectFrom('ops')
      .select(['position', 'body'])
      .where('device_id', '=', deviceId)
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    await log.db
      .updateTable('ops')
      .set({ body: rewrite(row.body) })
      .where('position', '=', row.position)
      .execute();
  },
  rewriteProjectionData: async (collection, docId, data) => {
    await log.db
      .updateTable('documents')
      .set({ data: JSON.stringify(data) })
      .where('collection', '=', collection)
      .where('doc_id', '=', docId)
      .execute();
  },
  forgeConflict: async ({ id, collection, docId, position }) => {
    await log.db
      .insertInto('conflicts')
      .values({
        id,
        collection,
        doc_id: docId,
        kind: 'field',
        status: 'open',
        current: 1,
        live: 1,
        record: '{}',
        position,
      })
      .execute();
  },
  forgeChainHead: async (deviceId, hash) => {
    await log.db
      .updateTable('devices')
      .set({ chain_hash: hash })
      .where('device_id', '=', deviceId)
      .execute();
  },
  rewriteLink: async (deviceId, seq, hash) => {
    await log.db
      .updateTable('ops')
      .set({ hash })
      .where('device_id', '=', deviceId)
      .where('seq', '=', seq)
      .execute();
  },
  swapPositions: async (a, b) => {
    const moves: readonly (readonly [number, number])[] = [
      [a, -1],
      [b, a],
      [-1, b],
    ];
    for (const [from, to] of moves) {
      await log.db.updateTable('ops').set({ position: to }).where('position', '=', from).execute();
      await log.db
        .updateTable('visibility')
        .set({ op_position: to })
        .where('op_position', '=', from)
        .execute();
      await log.db
        .updateTable('visibility')
        .set({ at_position: to })
        .where('at_position', '=', from)
        .execute();
    }
  },
  dropOwnVisibility: async (position) => {
    await log.db
      .deleteFrom('visibility')
      .where('at_position', '=', position)
      .where('op_position', '=', position)
      .execute();
  },
  reveal: async (facility, at, op) => {
    await log.db
      .insertInto('visibility')
      .values({ facility_id: facility, at_position: at, op_position: op })
      .execute();
  },
  dropLastOp: async () => {
    const row = await log.db
      .selectFrom('ops')
      .select((eb) => eb.fn.max('position').as('last'))
      .executeTakeFirstOrThrow();
    const last = Number(row.last);
    await log.db.deleteFrom('visibility').where('op_position', '=', last).execute();
    await log.db.deleteFrom('ops').where('position', '=', last).execute();
  },
});
