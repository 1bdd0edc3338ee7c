/**
 * Reads for reviewers: the quarantine (rejected ops with their reasons) and the audit flags of
 * logged ops.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { type Dot, dotKey } from '../domain/ids.ts';
import type { OpFlag } from '../domain/rules.ts';
import type { LogTables } from './log-tables.ts';
import { flagsOfRow } from './op-rows.ts';
import type { QuarantinedOp } from './operation-log.ts';
import { parseJson, readJsonText, StoredOpError } from './stored-json.ts';

/** Rejected ops of a device (or of all), oldest first. */
export const quarantinedOps = async (
  db: Kysely<LogTables>,
  deviceId: string | undefined,
): Promise<readonly QuarantinedOp[]> => {
  let query = db.selectFrom('quarantine').selectAll();
  if (deviceId !== undefined) query = query.where('device_id', '=', deviceId);
  const rows = await query.orderBy('received_at').orderBy('device_id').orderBy('seq').execute();
  return rows.map((row) => {
    const raw = parseJson(row.raw);
    return {
      deviceId: row.device_id,
      seq: row.seq,
      userId: row.user_id,
      raw: E.isRight(raw) ? raw.right : row.raw,
      error: readJsonText(StoredOpError, row.error, `quarantined ${row.device_id}:${row.seq}`),
      receivedAt: new Date(row.received_at).toISOString(),
    };
  });
};

const CHUNK = 200;

/** The flags of logged ops, by `deviceId:seq` (dots that are not logged are left out). */
export const flagsOfDots = async (
  db: Kysely<LogTables>,
  dots: readonly Dot[],
): Promise<ReadonlyMap<string, readonly OpFlag[]>> => {
  const flags = new Map<string, readonly OpFlag[]>();
  for (let i = 0; i < dots.length; i += CHUNK) {
    const part = dots.slice(i, i + CHUNK);
    const rows = await db
      .selectFrom('ops')
      .select(['device_id', 'seq', 'flags'])
      .where((eb) =>
        eb.or(part.map((d) => eb.and([eb('device_id', '=', d.deviceId), eb('seq', '=', d.seq)]))),
      )
      .execute();
    for (const row of rows)
      flags.set(dotKey({ deviceId: row.device_id, seq: row.seq }), flagsOfRow(row));
  }
  return flags;
};
