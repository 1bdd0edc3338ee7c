/** Compression: negotiating an answer's coding, and decoding request bodies within the limit. */
import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  gunzipSync,
  gzipSync,
} from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import {
  BROTLI_WINDOW_BITS,
  compress,
  decodeRequestBody,
  INLINE_COMPRESSION_MAX_BYTES,
  negotiateCoding,
} from '../../src/functions/content-coding.ts';

describe('negotiateCoding', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['br;q=0.8, gzip;q=0.8', 'br'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'identity'],
    ['GZIP;Q=1', 'gzip'],
    ['identity', 'identity'],
  ])('Accept-Encoding %j chooses %s', (header, coding) => {
    expect(negotiateCoding(header)).toBe(coding);
  });
});

describe('compress', () => {
  const text = new TextEncoder().encode('immunization '.repeat(500));

  it('gzip and brotli round-trip and shrink a repetitive body', async () => {
    const gz = await compress(text, 'gzip');
    const br = await compress(text, 'br');
    expect(gunzipSync(gz).equals(Buffer.from(text))).toBe(true);
    expect(brotliDecompressSync(br).equals(Buffer.from(text))).toBe(true);
    expect(gz.byteLength).toBeLessThan(text.byteLength / 10);
    expect(br.byteLength).toBeLessThan(text.byteLength / 10);
  });

  it('identity leaves the bytes alone', async () => {
    expect(await compress(text, 'identity')).toBe(text);
  });

  it.each(['gzip', 'br'] as const)(
    'compresses a small answer (%s) without waiting for a turn of the event loop',
    async (coding) => {
      let turned = false;
      const immediate = setImmediate(() => {
        turned = true;
      });
      const compressed = await compress(text, coding);
      expect(turned).toBe(false);
      clearImmediate(immediate);
      expect(compressed.byteLength).toBeLessThan(text.byteLength / 10);
    },
  );

  it.each(['gzip', 'br'] as const)(
    'compresses an answer larger than the inline limit (%s), the same bytes back',
    async (coding) => {
      const large = new TextEncoder().encode('dose '.repeat(INLINE_COMPRESSION_MAX_BYTES / 4));
      expect(large.byteLength).toBeGreaterThan(INLINE_COMPRESSION_MAX_BYTES);
      const compressed = await compress(large, coding);
      const back = coding === 'gzip' ? gunzipSync(compressed) : brotliDecompressSync(compressed);
      expect(back.equals(Buffer.from(large))).toBe(true);
    },
  );
});

/**
 * The window a brotli stream declares in its first bits (RFC 7932, section 9.1): WBITS, the
 * window being 2^WBITS - 16 bytes, which the decoder must keep as its ring buffer.
 */
const windowBitsOf = (stream: Uint8Array): number => {
  const bits = (stream[0] ?? 0) | ((stream[1] ?? 0) << 8);
  if ((bits & 1) === 0) return 16;
  const n = (bits >> 1) & 0b111;
  if (n !== 0) return 17 + n;
  const m = (bits >> 4) & 0b111;
  return m === 0 ? 17 : 8 + m;
};

describe('the brotli window', () => {
  it('reads the window of streams made with a known one', () => {
    const text = new TextEncoder().encode('a patient, a dose; '.repeat(60_000));
    for (const bits of [16, 17, 18, 19, 22, 24]) {
      const stream = brotliCompressSync(text, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: bits },
      });
      expect(windowBitsOf(stream)).toBe(bits);
    }
  });

  it.each([
    ['a small answer, compressed inline', 4096],
    ['a large one, compressed on the pool', 2 * 1024 * 1024],
  ])('declares a window of 512 KiB, not the default 4 MiB, for %s', async (_what, size) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = 97 + ((i * 7919) % 23);
    const stream = await compress(bytes, 'br');
    expect(windowBitsOf(stream)).toBe(BROTLI_WINDOW_BITS);
    expect(BROTLI_WINDOW_BITS).toBe(19);
    expect(brotliDecompressSync(stream).equals(Buffer.from(bytes))).toBe(true);
  });
});

describe('decodeRequestBody', () => {
  const body = new TextEncoder().encode('{"a":1}');

  it('passes an uncompressed body through', async () => {
    expect(await decodeRequestBody({}, body, 100)).toEqual(E.right(body));
    expect(await decodeRequestBody({ 'content-encoding': 'identity' }, body, 100)).toEqual(
      E.right(body),
    );
  });

  it('inflates a gzip body', async () => {
    const result = await decodeRequestBody({ 'content-encoding': 'gzip' }, gzipSync(body), 100);
    expect(E.isRight(result) && Buffer.from(result.right).toString()).toBe('{"a":1}');
  });

  it('refuses a body over the limit, compressed or not, with too_large', async () => {
    const big = new Uint8Array(101);
    expect(await decodeRequestBody({}, big, 100)).toEqual(
      E.left(expect.objectContaining({ code: 'too_large' })),
    );
    const bomb = gzipSync(Buffer.alloc(10_000_000));
    expect(bomb.byteLength).toBeLessThan(100_000);
    expect(await decodeRequestBody({ 'content-encoding': 'gzip' }, bomb, 1_000_000)).toEqual(
      E.left(expect.objectContaining({ code: 'too_large' })),
    );
  });

  it('refuses other codings with unsupported_encoding', async () => {
    for (const coding of ['br', 'deflate', 'gzip, gzip', 'zstd']) {
      expect(await decodeRequestBody({ 'content-encoding': coding }, body, 100)).toEqual(
        E.left(expect.objectContaining({ code: 'unsupported_encoding' })),
      );
    }
  });

  it('refuses a body that is not gzip with bad_request', async () => {
    expect(await decodeRequestBody({ 'content-encoding': 'gzip' }, body, 100)).toEqual(
      E.left(expect.objectContaining({ code: 'bad_request' })),
    );
  });
});
