/**
 * The identity of a log on TablesDB: its epoch and cursor secret, kept in the log-head row
 * beside the head position (`log-head-transaction.ts`).
 *
 * Invariants:
 * 1. The first instance to start creates the head row with a fresh random epoch and secret;
 *    every later one (and every concurrent first start) reads the row that won.
 * 2. The epoch and the secret never change afterwards: every cursor this log issues carries
 *    the epoch, and a store reset (a new head row) makes old cursors `reset_required`.
 */
import { randomBytes } from 'node:crypto';
import * as t from 'io-ts';
import { identityOf, type LogIdentity } from '../../../log/log-identity.ts';
import { ensureLogHead, LOG_HEAD_ROW, LOG_HEAD_TABLE } from '../log-head-transaction.ts';
import { decodeRow } from './log-rows.ts';
import type { LogStore } from './log-store.ts';

const HeadRowCodec = t.type({ position: t.number, epoch: t.string, secret: t.string });

/** Creates the head row if needed, and reads the log's identity from it. */
export const loadHeadIdentity = async (store: LogStore): Promise<LogIdentity> => {
  await ensureLogHead(store.tablesDb, store.databaseId, {
    epoch: randomBytes(12).toString('base64url'),
    secret: randomBytes(32).toString('hex'),
  });
  const row = await store.get(LOG_HEAD_TABLE, LOG_HEAD_ROW);
  if (row === undefined) throw new Error('the log head row vanished after its creation');
  const head = decodeRow(HeadRowCodec, row, 'log head');
  return identityOf(head.epoch, head.secret);
};
