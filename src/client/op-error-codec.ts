/**
 * The codec of an op's rejection, `{code, message, path?}` (PROTOCOL.md, POST /v1/push), as
 * push answers carry it and as the replica keeps it.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { OpError } from '../domain/errors.ts';

const OpErrorShape = t.intersection([
  t.type({
    code: t.keyof({ invalid: null, forbidden: null, unsupported_schema: null }),
    message: t.string,
  }),
  t.partial({ path: t.string }),
]);

/** An op error; `path` is left out when absent, so the value keeps the wire shape exactly. */
export const OpErrorCodec: t.Type<OpError, OpError, unknown> = new t.Type<
  OpError,
  OpError,
  unknown
>(
  'OpError',
  (u): u is OpError => E.isRight(OpErrorShape.decode(u)),
  (u, c) => {
    const decoded = OpErrorShape.validate(u, c);
    if (E.isLeft(decoded)) return decoded;
    const { code, message, path } = decoded.right;
    return t.success(path === undefined ? { code, message } : { code, message, path });
  },
  (e) => e,
);
