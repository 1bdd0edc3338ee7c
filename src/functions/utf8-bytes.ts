/**
 * The UTF-8 bytes of a text given as pieces, written straight into one array: what
 * `new TextEncoder().encode(pieces.join(''))` gives, without the joined text.
 *
 * Why: a snapshot page is 5,000 documents' JSON, ~3.6 MB. Joining the pieces into one string
 * and encoding that string cost ~20 ms a page on the server's event loop (the join's copy of
 * the page, then the encoder's read of it); writing each piece into the page's bytes costs ~2-4
 * ms (docs/benchmarks.md, the section of 2026-12-05 13:16).
 *
 * Invariants:
 * 1. The bytes are those of `TextEncoder.encode` of the concatenated pieces, provided no surrogate
 *    pair is split between two pieces (each piece is a whole JSON value or literal here; a lone
 *    surrogate within a piece becomes U+FFFD, as the encoder makes it).
 * 2. The array is allocated once when the text is ASCII (its size is the sum of the pieces'
 *    lengths, a lower bound of the UTF-8 size), and grows by doubling otherwise.
 */

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`, one string or pieces to be concatenated (see the module). */
export const utf8Bytes = (text: string | readonly string[]): Uint8Array => {
  const pieces = typeof text === 'string' ? [text] : text;
  let units = 0;
  for (const piece of pieces) units += piece.length;
  let bytes = new Uint8Array(units);
  let end = 0;
  for (const piece of pieces) {
    let rest = piece;
    for (;;) {
      const { read, written } = encoder.encodeInto(rest, bytes.subarray(end));
      end += written;
      if (read === rest.length) break;
      // What is left needs at most three bytes a UTF-16 unit (four for two units of a pair).
      rest = rest.slice(read);
      const grown = new Uint8Array(Math.max(bytes.length * 2, end + rest.length * 3));
      grown.set(bytes.subarray(0, end));
      bytes = grown;
    }
  }
  return end === bytes.length ? bytes : bytes.subarray(0, end);
};
