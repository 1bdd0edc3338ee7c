/**
 * The version of the wire protocol this server speaks (PROTOCOL.md, docs/protocol.md), sent on
 * every answer in the `x-immune-sync-protocol` header.
 *
 * Bump it whenever the wire changes (routes, message shapes, error codes, limits, the op
 * envelope or a collection's fields), add a line below, and record the new fingerprint: the test
 * `test/functions/protocol-version.test.ts` fails while `PROTOCOL_FINGERPRINT` differs from
 * `wireFingerprint()` (`wire-fingerprint.ts`), so the wire cannot change silently.
 *
 * History:
 * - 1: the first protocol: push, pull, ops, snapshot, events, status, history, conflicts,
 *   resolve, verify, healthz, metrics; op schema 1; collections of schema 1.
 */

/** The protocol's version. */
export const PROTOCOL_VERSION = 1;

/** `wireFingerprint()` as of `PROTOCOL_VERSION`. */
export const PROTOCOL_FINGERPRINT =
  '25a2a8070bc34e37f454109522a998c05831cf181d69aac21738cdbc7b78e36e';
