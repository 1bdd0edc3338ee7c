import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isAsciiBytes, utf8Text } from '../../../src/adapters/http/utf8-text.ts';

const decoder = new TextDecoder();
const fatal = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** `bytes` copied into a larger buffer at `offset`, so the view may be unaligned. */
const placedAt = (bytes: Uint8Array, offset: number): Uint8Array => {
  const buffer = new Uint8Array(offset + bytes.byteLength + 3).fill(0xff);
  buffer.set(bytes, offset);
  return buffer.subarray(offset, offset + bytes.byteLength);
};

/** Text mostly of ASCII, long enough to be checked, with other characters now and then. */
const bodyText = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 100, maxLength: 500 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }) },
    ),
    { minLength: 8, maxLength: 20 },
  )
  .map((parts) => parts.join(''));

describe('utf8Text', () => {
  test.prop([bodyText, fc.integer({ min: 0, max: 7 })])(
    'reads every body as the UTF-8 decoder does, wherever its view starts',
    (text, offset) => {
      const bytes = placedAt(encoder.encode(text), offset);
      expect(utf8Text(bytes, decoder)).toBe(text);
      expect(utf8Text(bytes, fatal)).toBe(decoder.decode(bytes));
    },
  );

  test.prop([fc.uint8Array({ minLength: 1024, maxLength: 5000 }), fc.integer({ min: 0, max: 7 })])(
    'gives any bytes, UTF-8 or not, the text (or the error) of the decoder',
    (raw, offset) => {
      const bytes = placedAt(raw, offset);
      expect(utf8Text(bytes, decoder)).toBe(decoder.decode(bytes));
      let expected: string | undefined;
      try {
        expected = fatal.decode(bytes);
      } catch {
        expected = undefined;
      }
      if (expected === undefined) expect(() => utf8Text(bytes, fatal)).toThrow(TypeError);
      else expect(utf8Text(bytes, fatal)).toBe(expected);
    },
  );

  test.prop([fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 7 })])(
    'tells ASCII bytes from others, at any offset',
    (raw, offset) => {
      expect(isAsciiBytes(placedAt(raw, offset))).toBe(raw.every((b) => b < 0x80));
    },
  );

  it('finds one byte above ASCII at the very end of a long body, past the early stops', () => {
    const bytes = new Uint8Array(300_001).fill(0x41);
    expect(isAsciiBytes(bytes)).toBe(true);
    bytes[300_000] = 0xc3;
    expect(isAsciiBytes(bytes)).toBe(false);
    bytes[300_000] = 0x41;
    bytes[262_145] = 0x80;
    expect(isAsciiBytes(bytes)).toBe(false);
  });

  it('reads a long JSON answer of ids and a name with an accent', () => {
    const answer = JSON.stringify({
      docs: Array.from({ length: 200 }, (_, i) => ({ docId: `pat-${i}`, fullName: 'Abena' })),
      note: 'Zoë',
    });
    expect(JSON.parse(utf8Text(encoder.encode(answer), fatal))).toEqual(JSON.parse(answer));
  });
});
