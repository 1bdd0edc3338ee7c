/**
 * Parsing a request body as JSON: UTF-8 text, one JSON value nested at most `MAX_JSON_DEPTH`
 * levels deep, else `bad_request`.
 *
 * Why a depth limit: `JSON.parse` copes with any depth, but everything after it that walks the
 * value recursively (codecs, `JSON.stringify` when a rejected op is quarantined, canonical JSON
 * for the hash chain) overflows the stack on a body of 100,000 nested arrays. No message of the
 * protocol nests deeper than a handful of levels, so such a body is refused before it is parsed.
 */
import * as E from 'fp-ts/lib/Either.js';
import { utf8Text } from '../adapters/http/utf8-text.ts';
import { type SyncError, syncError } from '../domain/errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The deepest nesting of arrays and objects a body may have. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** True when the JSON text nests arrays and objects deeper than `limit` (strings skipped). */
export const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
      if (depth > limit) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
};

/** The JSON value of a body (`bad_request` if it is not UTF-8 JSON, or nests too deep). */
export const parseJsonBody = (bytes: Uint8Array): E.Either<SyncError, unknown> => {
  let text: string;
  try {
    text = utf8Text(bytes, utf8);
  } catch {
    return E.left(syncError('bad_request', 'the body is not JSON (UTF-8)'));
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return E.left(syncError('bad_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`));
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return E.right(parsed);
  } catch {
    return E.left(syncError('bad_request', 'the body is not JSON (UTF-8)'));
  }
};
