/**
 * Codecs of the JSON the log keeps in text columns (scopes, flags, errors, conflict records).
 * What the log wrote it reads back through a codec, never through a cast: a row that does not
 * decode was changed behind the log's back, which is a `CorruptRowError` (a bug or tampering,
 * not bad input) and a problem for `verify`.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { type OpError, reportValidation } from '../domain/errors.ts';
import type { OpFlag } from '../domain/rules.ts';
import type { ConflictRecord } from '../projections/conflict-record.ts';
import { ConflictRecordCodec } from '../projections/state-records.ts';

/** A row of the log that does not hold what the log wrote there. */
export class CorruptRowError extends Error {
  constructor(what: string, detail: string) {
    super(`corrupt ${what}: ${detail}`);
    this.name = 'CorruptRowError';
  }
}

/** Parses JSON text without throwing. */
export const parseJson = (text: string): E.Either<string, unknown> =>
  E.tryCatch(
    (): unknown => JSON.parse(text),
    (error) => (error instanceof Error ? error.message : 'not JSON'),
  );

/** Decodes a text column by a codec, or says why it cannot. */
export const decodeJsonText = <A>(
  codec: t.Decoder<unknown, A>,
  text: string,
): E.Either<string, A> => {
  const parsed = parseJson(text);
  if (E.isLeft(parsed)) return parsed;
  const decoded = codec.decode(parsed.right);
  return E.isLeft(decoded) ? E.left(reportValidation('invalid', decoded.left).message) : decoded;
};

/** Decodes a text column the log wrote; throws `CorruptRowError` when it does not decode. */
export const readJsonText = <A>(codec: t.Decoder<unknown, A>, text: string, what: string): A => {
  const decoded = decodeJsonText(codec, text);
  if (E.isLeft(decoded)) throw new CorruptRowError(what, decoded.left);
  return decoded.right;
};

/** A list of facility ids (`["*"]` for everyone). */
export const FacilityIds = t.readonlyArray(t.string, 'FacilityIds');

const OpFlagCodec = t.keyof({ possible_duplicate: null, skewed: null, upcast: null }, 'OpFlag');
/** The audit flags of an op. */
export const OpFlags: t.Type<readonly OpFlag[], readonly OpFlag[], unknown> = t.readonlyArray(
  OpFlagCodec,
  'OpFlags',
);

/** A rejection as the quarantine keeps it. */
export const StoredOpError: t.Type<OpError, OpError, unknown> = new t.Type<
  OpError,
  OpError,
  unknown
>(
  'OpError',
  (u): u is OpError => E.isRight(decodeOpError(u)),
  (u, c) => {
    const decoded = decodeOpError(u);
    return E.isRight(decoded) ? t.success(decoded.right) : t.failure(u, c, 'expected an OpError');
  },
  t.identity,
);

const OpErrorShape = t.intersection([
  t.type({
    code: t.keyof({ invalid: null, forbidden: null, unsupported_schema: null }),
    message: t.string,
  }),
  t.partial({ path: t.string }),
]);

function decodeOpError(u: unknown): E.Either<t.Errors, OpError> {
  const decoded = OpErrorShape.decode(u);
  if (E.isLeft(decoded)) return decoded;
  const { code, message, path } = decoded.right;
  return E.right(path === undefined ? { code, message } : { code, message, path });
}

/** Decodes a stored conflict record (by the projections' own codec). */
export const decodeConflictRecord = (text: string): E.Either<string, ConflictRecord> =>
  decodeJsonText(ConflictRecordCodec, text);

/** Reads a stored conflict record; throws `CorruptRowError` when it does not decode. */
export const readConflictRecord = (text: string): ConflictRecord =>
  readJsonText(ConflictRecordCodec, text, 'conflict record');
