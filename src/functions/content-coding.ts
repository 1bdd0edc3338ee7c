/**
 * Content codings (PROTOCOL.md, compression; DESIGN.md section 5): answers are compressed with
 * brotli or gzip as the client's `Accept-Encoding` allows, and request bodies may arrive gzip.
 *
 * Invariants:
 * 1. The coding chosen is the acceptable one with the highest q-value; brotli wins a tie with
 *    gzip; with neither acceptable, the answer goes uncompressed.
 * 2. A request body is at most `limit` bytes after decompression, else `too_large`; gunzip
 *    stops at the limit instead of inflating a bomb.
 * 3. A request coding other than gzip (or none) is `unsupported_encoding`.
 * 4. An answer of at most `INLINE_COMPRESSION_MAX_BYTES` (a push's answer, a small page) is
 *    compressed on the calling thread; a larger one on libuv's thread pool. A pool job's result
 *    comes back as an event-loop callback, and the SQLite log appends on the event loop's own
 *    thread: the answer to one push would wait behind the whole append of the next batch, and
 *    the device, which sends its batch after that one only once it has the answer, would leave
 *    the server idle meanwhile (peer bench, 8 interleaved pairs: 5,542 against 4,988 docs/s).
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { type SyncError, syncError } from '../domain/errors.ts';

/** The codings an answer can be sent with. */
export type ResponseCoding = 'br' | 'gzip' | 'identity';

/** Answers shorter than this are sent as they are: compressing them saves nothing. */
export const MIN_COMPRESSED_BYTES = 1024;
/** Answers up to this size are compressed on the calling thread (invariant 4): ~1 ms of brotli. */
export const INLINE_COMPRESSION_MAX_BYTES = 128 * 1024;

/** Brotli's window, log2 of its bytes (see `brotliOptions`). */
export const BROTLI_WINDOW_BITS = 19;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);
const gunzip = promisify(zlib.gunzip);

interface Preference {
  readonly coding: string;
  readonly q: number;
}

const parsePreference = (part: string): Preference | undefined => {
  const [name, ...params] = part.split(';').map((s) => s.trim());
  if (name === undefined || name === '') return undefined;
  let q = 1;
  for (const param of params) {
    const [key, value] = param.split('=').map((s) => s.trim());
    if (key?.toLowerCase() === 'q' && value !== undefined) {
      const parsed = Number(value);
      q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
    }
  }
  return { coding: name.toLowerCase(), q };
};

/** The q-value the header gives a coding (its own entry, else `*`, else 0). */
const qualityOf = (preferences: readonly Preference[], coding: string): number => {
  const own = preferences.find(
    (p) => p.coding === coding || (coding === 'gzip' && p.coding === 'x-gzip'),
  );
  if (own !== undefined) return own.q;
  return preferences.find((p) => p.coding === '*')?.q ?? 0;
};

/** The coding to answer with, given the request's `Accept-Encoding` (see invariant 1). */
export const negotiateCoding = (acceptEncoding: string | undefined): ResponseCoding => {
  if (acceptEncoding === undefined) return 'identity';
  const preferences = acceptEncoding
    .split(',')
    .map(parsePreference)
    .filter((p): p is Preference => p !== undefined);
  const br = qualityOf(preferences, 'br');
  const gz = qualityOf(preferences, 'gzip');
  if (br > 0 && br >= gz) return 'br';
  if (gz > 0) return 'gzip';
  return 'identity';
};

const brotliOptions = (bytes: Uint8Array): zlib.BrotliOptions => ({
  params: {
    // Quality 5 of 11: most of brotli's gain at a small part of its cost.
    [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
    // A window of 512 KiB (the default is 4 MiB): the same size within 2% for snapshot and pull
    // pages, 10% less time for a snapshot page of 3.6 MB, and the decoder on a phone keeps a
    // ring buffer of the window's size, not 4 MiB, for every page it reads.
    [zlib.constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
  },
});

/** The bytes of an answer in `coding` (on which thread: invariant 4). */
export const compress = async (bytes: Uint8Array, coding: ResponseCoding): Promise<Uint8Array> => {
  const inline = bytes.byteLength <= INLINE_COMPRESSION_MAX_BYTES;
  switch (coding) {
    case 'identity':
      return bytes;
    case 'gzip':
      return inline ? zlib.gzipSync(bytes) : gzip(bytes);
    case 'br':
      return inline
        ? zlib.brotliCompressSync(bytes, brotliOptions(bytes))
        : brotli(bytes, brotliOptions(bytes));
    default: {
      const unreachable: never = coding;
      return unreachable;
    }
  }
};

const tooLarge = (limit: number): SyncError =>
  syncError('too_large', `the body is larger than ${limit} bytes (after decompression)`);

const hasCode = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === code;

/**
 * A request body as its sender meant it: decompressed per `Content-Encoding` (none or gzip) and
 * at most `limit` bytes (see invariants 2 and 3).
 */
export const decodeRequestBody = async (
  headers: Readonly<Record<string, string>>,
  body: Uint8Array,
  limit: number,
): Promise<E.Either<SyncError, Uint8Array>> => {
  const coding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') {
    return body.byteLength > limit ? E.left(tooLarge(limit)) : E.right(body);
  }
  if (coding !== 'gzip' && coding !== 'x-gzip') {
    return E.left(
      syncError(
        'unsupported_encoding',
        `request bodies may be gzip or uncompressed, not ${coding}`,
      ),
    );
  }
  try {
    return E.right(await gunzip(body, { maxOutputLength: limit }));
  } catch (error) {
    if (hasCode(error, 'ERR_BUFFER_TOO_LARGE')) return E.left(tooLarge(limit));
    return E.left(syncError('bad_request', 'the body is not valid gzip'));
  }
};
