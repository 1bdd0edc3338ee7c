/** The UTF-8 bytes of a text in pieces: the encoder's bytes of the joined text, without joining. */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { renderAnswer } from '../../src/functions/render-answer.ts';
import { utf8Bytes } from '../../src/functions/utf8-bytes.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Strings of whole code points (a piece never ends in half a surrogate pair). */
const wellFormed = fc.string({ unit: 'grapheme', maxLength: 40 });
const ascii = fc.string({ unit: 'binary-ascii', maxLength: 40 });

describe('utf8Bytes', () => {
  test.prop([fc.array(fc.oneof(wellFormed, ascii), { maxLength: 30 })])(
    'gives the encoder’s bytes of the joined pieces',
    (pieces) => {
      expect(utf8Bytes(pieces)).toEqual(encoder.encode(pieces.join('')));
    },
  );

  test.prop([fc.oneof(wellFormed, ascii)])('gives the encoder’s bytes of one string', (text) => {
    expect(utf8Bytes(text)).toEqual(encoder.encode(text));
  });

  it('allocates ASCII pieces once, exactly their size', () => {
    const bytes = utf8Bytes(['{"docs":[', '{"a":1}', ',', '{"b":"x"}', ']}']);
    expect(decoder.decode(bytes)).toBe('{"docs":[{"a":1},{"b":"x"}]}');
    expect(bytes.byteLength).toBe(28);
    expect(bytes.buffer.byteLength).toBe(28);
  });

  it('grows when the pieces need more bytes than units, down to the last piece', () => {
    const pieces = ['ascii first ', 'Kisozi – Mbarara ', 'Ñandú ', '𝄞 ', '日本語'];
    const bytes = utf8Bytes(pieces);
    expect(decoder.decode(bytes)).toBe(pieces.join(''));
    expect(bytes.byteLength).toBe(encoder.encode(pieces.join('')).byteLength);
  });

  it('writes a lone surrogate within a piece as U+FFFD, as the encoder does', () => {
    expect([...utf8Bytes(['a\uD800b'])]).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
  });

  it('gives no bytes for no pieces or empty ones', () => {
    expect(utf8Bytes([]).byteLength).toBe(0);
    expect(utf8Bytes(['', '', '']).byteLength).toBe(0);
  });
});

describe('a text answer in pieces', () => {
  it('renders the joined text, uncompressed and compressed alike', async () => {
    const pieces = ['{"docs":[', JSON.stringify({ village: 'Kisozi – Ñandú'.repeat(200) }), ']}'];
    const plain = await renderAnswer(
      { kind: 'text', status: 200, contentType: 'application/json', body: pieces },
      {},
    );
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toEqual(encoder.encode(pieces.join('')));
    const gzipped = await renderAnswer(
      { kind: 'text', status: 200, contentType: 'application/json', body: pieces },
      { 'accept-encoding': 'gzip' },
    );
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    const { gunzipSync } = await import('node:zlib');
    if (!(gzipped.body instanceof Uint8Array)) throw new Error('expected bytes');
    expect(decoder.decode(gunzipSync(gzipped.body))).toBe(pieces.join(''));
  });
});
