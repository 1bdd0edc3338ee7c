/**
 * The identity of one log, read from `log_meta` once at open: its epoch, the secret that signs
 * its cursors, and what both derive (the append lock key, the head channel's name).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { LogTables } from './log-tables.ts';
import { META_EPOCH, META_SECRET } from './migrations.ts';

export interface LogIdentity {
  /** A random id fixed at the first migration; every cursor carries it. */
  readonly epoch: string;
  /** The HMAC key of cursors and page tokens. */
  readonly secret: Buffer;
  /** The key of the advisory lock that serializes appends: the same for every instance. */
  readonly lockKey: bigint;
  /** The name of the channel on which instances announce heads (a plain SQL identifier). */
  readonly channel: string;
}

const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Derives the identity from the stored epoch and secret. */
export const identityOf = (epoch: string, secretHex: string): LogIdentity => {
  const digest = digestOf(`immune-sync log ${epoch}`);
  return {
    epoch,
    secret: Buffer.from(secretHex, 'hex'),
    lockKey: digest.readBigInt64BE(0),
    channel: `immune_sync_${digest.subarray(8, 16).toString('hex')}`,
  };
};

/** Reads the identity of a migrated store; throws when the store was never migrated. */
export const loadIdentity = async (db: Kysely<LogTables>): Promise<LogIdentity> => {
  const rows = await db.selectFrom('log_meta').select(['key', 'value']).execute();
  const value = (key: string): string => {
    const row = rows.find((r) => r.key === key);
    if (row === undefined) throw new Error(`log_meta has no ${key}: the store is not migrated`);
    return row.value;
  };
  return identityOf(value(META_EPOCH), value(META_SECRET));
};
