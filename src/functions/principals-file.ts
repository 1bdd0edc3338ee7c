/**
 * Reading the standalone server's principals file (PROTOCOL.md, Authentication): a JSON array of
 * `{token, userId, role, facilityIds}`.
 */
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import { reportValidation } from '../domain/errors.ts';
import { type PrincipalEntry, PrincipalsFile } from '../domain/principal.ts';

/** The entries of a principals file, or a message for people saying what is wrong with it. */
export const readPrincipalsFile = async (
  path: string,
): Promise<E.Either<string, readonly PrincipalEntry[]>> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return E.left(`cannot read the principals file ${path}: ${String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return E.left(`the principals file ${path} is not JSON`);
  }
  const decoded = PrincipalsFile.decode(json);
  if (E.isLeft(decoded)) {
    return E.left(
      `the principals file ${path} is invalid: ${reportValidation('bad_request', decoded.left).message}`,
    );
  }
  const tokens = new Set<string>();
  for (const [i, entry] of decoded.right.entries()) {
    if (entry.token.length < 16) {
      return E.left(
        `the principals file ${path}: the token of entry ${i} is shorter than 16 characters`,
      );
    }
    if (tokens.has(entry.token)) {
      return E.left(`the principals file ${path}: entry ${i} repeats a token`);
    }
    tokens.add(entry.token);
  }
  return E.right(decoded.right);
};
