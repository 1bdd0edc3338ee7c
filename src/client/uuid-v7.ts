/**
 * Document ids made on the device (DESIGN.md section 2): UUIDv7, 36 characters that follow
 * Appwrite's row-id rules, ordered by creation time, unique without asking anyone.
 *
 * Invariant: the first 48 bits are the creation time in ms, the version nibble is 7 and the
 * variant bits are `10`; the other 74 bits are random.
 */

/** Fills a byte array with random bytes (the platform's CSPRNG by default). */
export type RandomBytes = (bytes: Uint8Array) => void;

const platformRandom: RandomBytes = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

const hex = (bytes: Uint8Array, from: number, to: number): string =>
  Array.from(bytes.subarray(from, to), (b) => b.toString(16).padStart(2, '0')).join('');

/** A UUIDv7 for the time `nowMs`. */
export const uuidV7 = (nowMs: number, random: RandomBytes = platformRandom): string => {
  const bytes = new Uint8Array(16);
  random(bytes);
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  return `${hex(bytes, 0, 4)}-${hex(bytes, 4, 6)}-${hex(bytes, 6, 8)}-${hex(bytes, 8, 10)}-${hex(bytes, 10, 16)}`;
};
