/**
 * Generated ops as the client library holds them: decoded by the domain's own codec, so the
 * transport encodes them exactly as a replica would. A generated op that does not decode is a
 * bug of the generator, and stops the benchmark.
 */
import * as E from 'fp-ts/lib/Either.js';
import { decodeOperation, type Operation } from '../../src/domain/operation.ts';
import type { RawOp } from '../data/immunization-dataset.ts';

/** Decodes every op, or throws with the first failure. */
export const typedOps = (raws: readonly RawOp[]): Operation[] =>
  raws.map((raw) => {
    const decoded = decodeOperation(raw);
    if (E.isLeft(decoded)) {
      throw new Error(`generated op does not decode: ${JSON.stringify(decoded.left)}`);
    }
    return decoded.right.op;
  });
