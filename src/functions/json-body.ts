/** Parsing a request body as JSON: UTF-8 text, one JSON value, else `bad_request`. */
import * as E from 'fp-ts/lib/Either.js';
import { type SyncError, syncError } from '../domain/errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON value of a body (`bad_request` if it is not UTF-8 JSON). */
export const parseJsonBody = (bytes: Uint8Array): E.Either<SyncError, unknown> => {
  try {
    const parsed: unknown = JSON.parse(utf8.decode(bytes));
    return E.right(parsed);
  } catch {
    return E.left(syncError('bad_request', 'the body is not JSON (UTF-8)'));
  }
};
