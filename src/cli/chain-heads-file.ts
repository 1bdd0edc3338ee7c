/**
 * The file of recorded chain heads: `immune-sync verify --record-heads FILE` writes the head of
 * every device's hash chain and a digest of the whole log to it after a clean run, and
 * `immune-sync verify --heads FILE` checks that every chain still passes through its head and
 * that the log up to the digest's position is the one digested (`OperationLog.verify`). An auditor keeps
 * the file outside the database (printed, mailed, in another system): the chains alone cannot
 * show a history that was changed and linked again by someone who can write the database, the
 * recorded heads can.
 *
 * Invariants:
 * 1. A file is written whole or not at all (a temporary file renamed over it).
 * 2. A file that does not read as one this code wrote is `invalid`, with the path of the bad
 *    field; nothing is verified against it.
 */
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { reportValidation, type SyncError, syncError } from '../domain/errors.ts';
import { WholeNumber } from '../domain/scalars.ts';
import type { ChainHead, ChainRecord } from '../log/operation-log.ts';

const FORMAT = 'immune-sync chain heads';

interface Sha256HexBrand {
  readonly Sha256Hex: unique symbol;
}

/** A link of a hash chain: a sha256 digest in lower-case hex. */
const Sha256Hex = t.brand(
  t.string,
  (s): s is t.Branded<string, Sha256HexBrand> => /^[0-9a-f]{64}$/.test(s),
  'Sha256Hex',
);

interface IsoTimeBrand {
  readonly IsoTime: unique symbol;
}

/** A time as `Date.prototype.toISOString` writes it. */
const IsoTime = t.brand(
  t.string,
  (s): s is t.Branded<string, IsoTimeBrand> =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(s) && !Number.isNaN(Date.parse(s)),
  'IsoTime',
);

const HeadsFile = t.type({
  format: t.literal(FORMAT),
  version: t.literal(1),
  recordedAt: IsoTime,
  heads: t.readonlyArray(t.type({ deviceId: t.string, seq: WholeNumber, hash: Sha256Hex })),
  log: t.type({ position: WholeNumber, digest: Sha256Hex }),
});

/** The index of the first head that names a device named before, if any. */
const repeatedDevice = (heads: readonly ChainHead[]): number | undefined => {
  const seen = new Set<string>();
  for (const [i, head] of heads.entries()) {
    if (seen.has(head.deviceId)) return i;
    seen.add(head.deviceId);
  }
  return undefined;
};

/** What a heads file holds. */
export interface RecordedHeads {
  readonly recordedAt: string;
  readonly record: ChainRecord;
}

/** Reads a heads file (invariant 2). */
export const readHeadsFile = async (path: string): Promise<E.Either<SyncError, RecordedHeads>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return E.left(syncError('invalid', `cannot read the heads file ${path}: ${reason}`));
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return E.left(syncError('invalid', `the heads file ${path} is not JSON`));
  }
  const decoded = HeadsFile.decode(json);
  if (E.isLeft(decoded)) {
    const error = reportValidation('invalid', decoded.left);
    return E.left(syncError('invalid', `the heads file ${path}: ${error.message}`, error.path));
  }
  const repeated = repeatedDevice(decoded.right.heads);
  if (repeated !== undefined) {
    const at = `heads.${repeated}.deviceId`;
    return E.left(
      syncError('invalid', `the heads file ${path}: a device named twice at ${at}`, at),
    );
  }
  const { recordedAt, heads, log } = decoded.right;
  return E.right({ recordedAt, record: { heads, log } });
};

/**
 * Why heads cannot be recorded in `path`, if so: checked before a verify runs, so that a long run
 * does not end in a refusal. A file that exists is kept (it may be the only copy of earlier
 * heads), unless it is `checkedAgainst`, the heads this very run checks: it then moves on.
 */
export const recordTargetRefusal = async (
  path: string,
  checkedAgainst: string | undefined,
): Promise<SyncError | undefined> => {
  const target = resolve(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing !== undefined) {
    if (existing.isFile() && checkedAgainst !== undefined && resolve(checkedAgainst) === target) {
      return undefined;
    }
    return syncError(
      'invalid',
      `${path} exists already: heads are recorded in a new file (or in the --heads file this run checks)`,
    );
  }
  const folder = await stat(dirname(target)).catch(() => undefined);
  return folder?.isDirectory() === true
    ? undefined
    : syncError('invalid', `cannot record heads in ${path}: ${dirname(target)} is not a directory`);
};

/** Writes the heads of a clean `verify` to `path` (invariant 1). */
export const writeHeadsFile = async (
  path: string,
  record: ChainRecord,
  now: Date,
): Promise<void> => {
  const file: t.OutputOf<typeof HeadsFile> = {
    format: FORMAT,
    version: 1,
    recordedAt: now.toISOString(),
    heads: record.heads.map((h) => ({ deviceId: h.deviceId, seq: h.seq, hash: h.hash })),
    log: { position: record.log.position, digest: record.log.digest },
  };
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, `${JSON.stringify(file, null, 2)}\n`);
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
};
