/**
 * The text of a UTF-8 body (an answer a client reads, a request body the server reads), read
 * without decoding when every byte is ASCII.
 *
 * Why: almost every body this protocol carries is ASCII (JSON of ids, dates, codes and most
 * names), and ASCII bytes are their own Latin-1 text. Node copies Latin-1 into a string
 * (`buffer.toString('latin1')`) ten times as fast as it decodes UTF-8 (a 3 MB snapshot page: ~0.7 ms
 * against ~8 ms here; the device reads ~70 MB in an initial sync of 100,000 documents), and
 * telling that the bytes are ASCII costs ~0.5 ms. A body with any other byte is decoded as
 * UTF-8, by the caller's decoder (which may be `fatal`).
 *
 * Invariant: the text is the one `decoder.decode(bytes)` gives, for every input. Where there is
 * no Node `Buffer` (a browser, React Native), the decoder reads everything: nothing here needs
 * Node.
 */

/** The part of Node's `Buffer` this uses, found on the global object where there is one. */
interface Latin1Reader {
  from(
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ): { toString(encoding: 'latin1'): string };
  isEncoding(encoding: string): boolean;
}

const isLatin1Reader = (candidate: unknown): candidate is Latin1Reader =>
  typeof candidate === 'function' &&
  typeof Reflect.get(candidate, 'from') === 'function' &&
  typeof Reflect.get(candidate, 'isEncoding') === 'function';

const nodeBuffer: Latin1Reader | undefined = (() => {
  const candidate: unknown = Reflect.get(globalThis, 'Buffer');
  return isLatin1Reader(candidate) && candidate.isEncoding('latin1') ? candidate : undefined;
})();

/** What reads UTF-8 when the bytes are not ASCII: a `TextDecoder` (fatal or not). */
export interface Utf8Decoder {
  decode(bytes: Uint8Array): string;
}

/** Bodies shorter than this are decoded: the check would not pay for itself. */
const MIN_ASCII_CHECK = 1024;

/** True when no byte of `bytes` has its high bit set (they are ASCII). */
export const isAsciiBytes = (bytes: Uint8Array): boolean => {
  const end = bytes.byteLength;
  let i = 0;
  let seen = 0;
  // Four bytes at a time where the view is aligned for it, then the rest one by one.
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, end >>> 2);
    for (let w = 0; w < words.length; w++) {
      seen |= words[w] ?? 0;
      // Stop early on a long body that is not ASCII: it is decoded in any case.
      if ((w & 0xffff) === 0 && (seen & 0x80808080) !== 0) return false;
    }
    i = words.length * 4;
  }
  for (; i < end; i++) seen |= bytes[i] ?? 0;
  return (seen & 0x80808080) === 0;
};

/** The text of UTF-8 `bytes`: as `decoder.decode(bytes)` gives it, copied when they are ASCII. */
export const utf8Text = (bytes: Uint8Array, decoder: Utf8Decoder): string =>
  nodeBuffer !== undefined && bytes.byteLength >= MIN_ASCII_CHECK && isAsciiBytes(bytes)
    ? nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
    : decoder.decode(bytes);
