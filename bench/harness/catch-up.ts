/**
 * A device catching up: pulls through the client's HTTP transport (answers decoded by the
 * client's codecs) in pages of `page`, from `after` until `hasMore` is false.
 */
import * as E from 'fp-ts/lib/Either.js';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import { describeTransportError } from '../../src/client/transports/sync-transport.ts';

/** What a catch-up did. */
export interface CatchUp {
  readonly ops: number;
  readonly pages: number;
  readonly seconds: number;
}

/** Pulls from `after` (undefined: the start) to the head. */
export const catchUp = async (
  baseUrl: string,
  token: string,
  deviceId: string,
  after: string | undefined,
  page: number,
): Promise<CatchUp> => {
  const transport = httpTransport({ baseUrl, token, timeoutMs: 300_000 });
  const started = performance.now();
  let cursor = after;
  let ops = 0;
  let pages = 0;
  for (;;) {
    const answer = await transport.pull({ after: cursor ?? '', limit: page, deviceId });
    if (E.isLeft(answer)) throw new Error(`pull failed: ${describeTransportError(answer.left)}`);
    ops += answer.right.ops.length;
    pages += 1;
    cursor = answer.right.next;
    if (!answer.right.hasMore) break;
  }
  return { ops, pages, seconds: (performance.now() - started) / 1000 };
};
