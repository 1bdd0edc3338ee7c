/**
 * The file of recorded chain heads: `immune-sync verify --record-heads FILE` writes the head of
 * every device's hash chain to it after a clean run, and `immune-sync verify --heads FILE`
 * checks that every chain still passes through them (`OperationLog.verify`). An auditor keeps
 * the file outside the database (printed, mailed, in another system): the chains alone cannot
 * show a history that was changed and linked again by someone who can write the database, the
 * recorded heads can.
 *
 * Invariants:
 * 1. A file is written whole or not at all (a temporary file renamed over it).
 * 2. A file that does not read as one this code wrote is `invalid`, with the path of the bad
 *    field; nothing is verified against it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { reportValidation, type SyncError, syncError } from '../domain/errors.ts';
import { WholeNumber } from '../domain/scalars.ts';
import type { ChainHead } from '../log/operation-log.ts';

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

const HeadsFile = t.type({
  format: t.literal(FORMAT),
  version: t.literal(1),
  recordedAt: t.string,
  heads: t.readonlyArray(t.type({ deviceId: t.string, seq: WholeNumber, hash: Sha256Hex })),
});

/** What a heads file holds. */
export interface RecordedHeads {
  readonly recordedAt: string;
  readonly heads: readonly ChainHead[];
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
  if (E.isLeft(decoded)) return E.left(reportValidation('invalid', decoded.left));
  return E.right({ recordedAt: decoded.right.recordedAt, heads: decoded.right.heads });
};

/** Writes the heads of a clean `verify` to `path` (invariant 1). */
export const writeHeadsFile = async (
  path: string,
  heads: readonly ChainHead[],
  now: Date,
): Promise<void> => {
  const file: t.OutputOf<typeof HeadsFile> = {
    format: FORMAT,
    version: 1,
    recordedAt: now.toISOString(),
    heads: heads.map((h) => ({ deviceId: h.deviceId, seq: h.seq, hash: h.hash })),
  };
  const partial = `${path}.partial`;
  await writeFile(partial, `${JSON.stringify(file, null, 2)}\n`);
  await rename(partial, path);
};
