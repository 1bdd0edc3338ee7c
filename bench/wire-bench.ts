/**
 * Bytes on the wire per op pulled: a tablet pushes WIRE_OPS generated ops (default 10,000)
 * to the real server, then another device of the same facility pulls them all in pages of 1,000,
 * asking as the client does (`br, gzip`), for gzip alone and for identity; the answers' bytes as
 * sent (before decoding). The facility's snapshot (every document, in pages of 5,000) is read
 * the same three ways. Push bodies are measured too (JSON, and gzip as the client sends them).
 *
 *   npm run bench -- wire
 */
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ACCEPTED_CODINGS } from '../src/client/transports/exchange.ts';
import { encodeOperation } from '../src/domain/operation.ts';
import { facilitiesOf } from './data/immunization-dataset.ts';
import { writePrincipals } from './harness/bench-principals.ts';
import { count, report } from './harness/bench-results.ts';
import { startBenchServer } from './harness/bench-server.ts';
import { freshStore } from './harness/bench-stores.ts';
import { pushFacilities, pushFacilityOps } from './harness/push-all.ts';
import { rawGet } from './harness/raw-get.ts';
import { tabletOps } from './harness/tablet-ops.ts';
import { typedOps } from './harness/typed-ops.ts';

const OPS = Number(process.env.WIRE_OPS ?? 10_000);
const PAGE = 1000;

/** What the client asks for (`ACCEPTED_CODINGS`), then gzip alone, then no compression. */
const ASKED = [ACCEPTED_CODINGS, 'gzip', 'identity'] as const;

/** An answer's body as the server meant it. */
const decoded = (body: Buffer, encoding: string): string => {
  if (encoding === 'gzip') return gunzipSync(body).toString('utf8');
  if (encoding === 'br') return brotliDecompressSync(body).toString('utf8');
  return body.toString('utf8');
};

/** What reading every page of one kind took, as sent. */
interface PagesRead {
  readonly bytes: number;
  /** Ops (pull) or documents (snapshot). */
  readonly items: number;
  readonly pages: number;
  /** The coding the server sent the pages in. */
  readonly encoding: string;
}

/**
 * Reads pages until the last: `path(token)` is a page's path and query (`undefined`: the
 * first), `read` takes a decoded page's item count and the next page's token (`undefined`: the
 * last page).
 */
const readPages = async (
  url: string,
  token: string,
  encoding: string,
  path: (page: string | undefined) => string,
  read: (page: unknown) => { readonly items: number; readonly next: string | undefined },
): Promise<PagesRead> => {
  let page: string | undefined;
  let bytes = 0;
  let items = 0;
  let pages = 0;
  let seen = '';
  do {
    const answer = await rawGet(`${url}${path(page)}`, {
      authorization: `Bearer ${token}`,
      'accept-encoding': encoding,
    });
    if (answer.status !== 200) throw new Error(`${path(page)} answered ${answer.status}`);
    seen = answer.encoding;
    bytes += answer.body.byteLength;
    pages += 1;
    const got = read(JSON.parse(decoded(answer.body, answer.encoding)));
    items += got.items;
    page = got.next;
  } while (page !== undefined);
  return { bytes, items, pages, encoding: seen };
};

/** The part of a snapshot page this benchmark reads. */
const SnapshotShape = t.type({
  docs: t.array(t.unknown),
  nextPage: t.union([t.string, t.null]),
});

const snapshotAll = (url: string, token: string, encoding: string): Promise<PagesRead> =>
  readPages(
    url,
    token,
    encoding,
    (page) => `/v1/snapshot${page === undefined ? '' : `?${new URLSearchParams({ page })}`}`,
    (body) => {
      const shape = SnapshotShape.decode(body);
      if (E.isLeft(shape)) throw new Error('a snapshot page of an unexpected shape');
      return { items: shape.right.docs.length, next: shape.right.nextPage ?? undefined };
    },
  );

/** The part of a pull answer this benchmark reads. */
const PageShape = t.type({
  ops: t.array(t.unknown),
  next: t.string,
  hasMore: t.boolean,
});

const pullAll = (
  url: string,
  token: string,
  deviceId: string,
  encoding: string,
): Promise<PagesRead> =>
  readPages(
    url,
    token,
    encoding,
    (after) => {
      const query = new URLSearchParams({ limit: String(PAGE), deviceId });
      if (after !== undefined) query.set('after', after);
      return `/v1/pull?${query}`;
    },
    (body) => {
      const page = PageShape.decode(body);
      if (E.isLeft(page)) throw new Error('a pull answer of an unexpected shape');
      return {
        items: page.right.ops.length,
        next: page.right.hasMore ? page.right.next : undefined,
      };
    },
  );

const main = async (): Promise<void> => {
  const { ops: raws, config, facility } = tabletOps(OPS);
  const fresh = await freshStore('sqlite');
  const principals = join(fresh.dir, 'principals.json');
  await writePrincipals(principals, facilitiesOf(config));
  const server = await startBenchServer(fresh.store, principals);
  const rows = [];
  try {
    await pushFacilities(server.url, config);
    await pushFacilityOps(server.url, facility, typedOps(raws), 1000);
    const reader = `${facility.deviceId}-reader`;
    for (const encoding of ASKED) {
      const pulled = await pullAll(server.url, facility.workerToken, reader, encoding);
      rows.push({
        direction: 'pull (logged ops)',
        'asked for': encoding,
        'sent as': pulled.encoding,
        'ops (all visible)': count(pulled.items),
        pages: pulled.pages,
        bytes: count(pulled.bytes),
        'bytes/op': (pulled.bytes / pulled.items).toFixed(1),
      });
    }
    for (const encoding of ASKED) {
      const read = await snapshotAll(server.url, facility.workerToken, encoding);
      rows.push({
        direction: 'snapshot (documents)',
        'asked for': encoding,
        'sent as': read.encoding,
        'ops (all visible)': `${count(read.items)} docs`,
        pages: read.pages,
        bytes: count(read.bytes),
        'bytes/op': `${(read.bytes / read.items).toFixed(1)} a doc`,
      });
    }
    const body = Buffer.from(
      JSON.stringify({
        deviceId: facility.deviceId,
        ops: typedOps(raws.slice(0, 1000)).map(encodeOperation),
      }),
    );
    const bodies: readonly { readonly encoding: string; readonly bytes: number }[] = [
      { encoding: 'gzip', bytes: gzipSync(body).byteLength },
      { encoding: 'identity', bytes: body.byteLength },
    ];
    for (const { encoding, bytes } of bodies) {
      rows.push({
        direction: 'push body (1,000 ops)',
        'asked for': encoding,
        'sent as': encoding,
        'ops (all visible)': '1,000',
        pages: 1,
        bytes: count(bytes),
        'bytes/op': (bytes / 1000).toFixed(1),
      });
    }
  } finally {
    await server.stop();
    await fresh.remove();
  }
  await report('wire', rows, { ops: OPS, page: PAGE, dataset: config });
};

await main();
