/**
 * A body as its sender meant it, decompressed as its `content-encoding` says (the codings the
 * server answers in: none, gzip, br); for test tools that read answers on their way.
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export const decodeBody = (raw: Uint8Array, coding: string | undefined): Buffer => {
  const bytes = Buffer.from(raw);
  switch (coding) {
    case undefined:
    case 'identity':
      return bytes;
    case 'gzip':
      return gunzipSync(bytes);
    case 'br':
      return brotliDecompressSync(bytes);
    default:
      throw new Error(`unexpected content-encoding ${coding}`);
  }
};
