/** The contract's store manipulations on the TablesDB log (through the SDK, on its rows). */
import { ID, Query, type TablesDB } from 'node-appwrite';
import {
  LOG_HEAD_ROW,
  LOG_HEAD_TABLE,
  readHead,
} from '../../src/adapters/appwrite/log-head-transaction.ts';
import type { LogTamper } from './contract/log-fixture.ts';

/** Tampers with the rows of a TablesDB log in `databaseId`. */
export const tablesTamper = (tablesDb: TablesDB, databaseId: string): LogTamper => {
  const rowsOf = async (tableId: string, queries: string[]) =>
    (await tablesDb.listRows({ databaseId, tableId, queries: [...queries, Query.limit(5000)] }))
      .rows;
  return {
    storedDocIds: async (collection) =>
      (await rowsOf(collection, [Query.isNotNull('syncState')])).map((row) => row.$id),
    rewriteOpBody: async (deviceId, seq, rewrite) => {
      const [row] = await rowsOf('sync_ops', [
        Query.equal('deviceId', deviceId),
        Query.equal('seq', seq),
      ]);
      if (row === undefined) throw new Error(`no op ${deviceId}:${seq}`);
      await tablesDb.updateRow({
        databaseId,
        tableId: 'sync_ops',
        rowId: row.$id,
        data: { body: rewrite(String(row.body)) },
      });
    },
    rewriteProjectionData: async (collection, docId, data) => {
      await tablesDb.updateRow({
        databaseId,
        tableId: collection,
        rowId: docId,
        data: { ...data },
      });
    },
    forgeConflict: async ({ id, collection, docId, position }) => {
      await tablesDb.createRow({
        databaseId,
        tableId: 'sync_conflicts',
        rowId: id,
        data: {
          collection,
          docId,
          kind: 'field',
          status: 'open',
          current: true,
          live: true,
          record: '{}',
          position,
        },
      });
    },
    forgeChainHead: async (deviceId, hash) => {
      await tablesDb.updateRow({
        databaseId,
        tableId: 'sync_devices',
        rowId: deviceId,
        data: { chainHash: hash },
      });
    },
    rewriteLink: async (deviceId, seq, hash) => {
      const [row] = await rowsOf('sync_ops', [
        Query.equal('deviceId', deviceId),
        Query.equal('seq', seq),
      ]);
      if (row === undefined) throw new Error(`no op ${deviceId}:${seq}`);
      await tablesDb.updateRow({ databaseId, tableId: 'sync_ops', rowId: row.$id, data: { hash } });
    },
    swapPositions: async (a, b) => {
      // Through a free position, as positions are unique.
      const moves: readonly (readonly [number, number])[] = [
        [a, -1],
        [b, a],
        [-1, b],
      ];
      for (const [from, to] of moves) {
        for (const row of await rowsOf('sync_ops', [Query.equal('position', from)])) {
          await tablesDb.updateRow({
            databaseId,
            tableId: 'sync_ops',
            rowId: row.$id,
            data: { position: to },
          });
        }
        for (const row of await rowsOf('sync_visibility', [Query.equal('opPosition', from)])) {
          const at = row.atPosition === from ? to : row.atPosition;
          await tablesDb.updateRow({
            databaseId,
            tableId: 'sync_visibility',
            rowId: row.$id,
            data: { atPosition: at, opPosition: to },
          });
        }
      }
    },
    dropOwnVisibility: async (position) => {
      for (const row of await rowsOf('sync_visibility', [Query.equal('atPosition', position)])) {
        await tablesDb.deleteRow({ databaseId, tableId: 'sync_visibility', rowId: row.$id });
      }
    },
    reveal: async (facility, at, op) => {
      await tablesDb.createRow({
        databaseId,
        tableId: 'sync_visibility',
        rowId: ID.unique(),
        data: {
          facilityId: facility,
          atPosition: at,
          opPosition: at,
          revealed: JSON.stringify([op]),
        },
      });
    },
    dropLastOp: async () => {
      const last = await readHead(tablesDb, databaseId);
      for (const row of await rowsOf('sync_visibility', [Query.equal('atPosition', last)])) {
        await tablesDb.deleteRow({ databaseId, tableId: 'sync_visibility', rowId: row.$id });
      }
      for (const row of await rowsOf('sync_ops', [Query.equal('position', last)])) {
        await tablesDb.deleteRow({ databaseId, tableId: 'sync_ops', rowId: row.$id });
      }
      await tablesDb.updateRow({
        databaseId,
        tableId: LOG_HEAD_TABLE,
        rowId: LOG_HEAD_ROW,
        data: { position: last - 1 },
      });
    },
  };
};
