/**
 * Canonical JSON for the log's hashes and comparisons: the one of `domain/canonical-json.ts`,
 * where its guarantees are stated.
 */
export { canonicalJson, sameJson } from '../domain/canonical-json.ts';
