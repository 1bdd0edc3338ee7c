/**
 * `GET /v1/snapshot?page=TOKEN` (PROTOCOL.md): pages of the documents visible to the principal,
 * all at one cursor.
 */
import * as t from 'io-ts';
import { joinedBytes } from '../../adapters/http/joined-bytes.ts';
import type { SnapshotPage } from '../../log/operation-log.ts';
import { snapshotDocBytes } from '../../log/snapshot-paging.ts';

/** The snapshot's query parameters. */
export const SnapshotQuery = t.exact(t.partial({ page: t.string }), 'SnapshotQuery');

/** One document of a snapshot. */
export const SnapshotDocJson = t.type(
  {
    collection: t.string,
    docId: t.string,
    data: t.UnknownRecord,
    deleted: t.boolean,
    meta: t.UnknownRecord,
  },
  'SnapshotDoc',
);

/** A page of a snapshot. */
export const SnapshotResponse = t.type(
  { docs: t.array(SnapshotDocJson), cursor: t.string, nextPage: t.union([t.string, t.null]) },
  'SnapshotResponse',
);
export type SnapshotResponse = t.TypeOf<typeof SnapshotResponse>;

/** The wire form of a snapshot page. */
export const encodeSnapshotResponse = (page: SnapshotPage): SnapshotResponse => ({
  docs: page.docs.map((doc) => ({
    collection: doc.collection,
    docId: doc.docId,
    data: { ...doc.data },
    deleted: doc.deleted,
    meta: { ...doc.meta },
  })),
  cursor: page.cursor,
  nextPage: page.nextPage,
});

const encoder = new TextEncoder();
const utf8 = new TextDecoder();
const COMMA = encoder.encode(',');

/**
 * The JSON of `encodeSnapshotResponse(page)` as UTF-8 bytes, each document as
 * `snapshotDocBytes` gives it: the bytes its backend put together, else the JSON of the texts
 * it stored, else its JSON. Joined as bytes: a page of 5,000 documents is ~3.6 MB, which as one
 * string would be joined and then encoded again.
 */
export const encodeSnapshotBytes = (page: SnapshotPage): Uint8Array => {
  const parts: Uint8Array[] = [encoder.encode('{"docs":[')];
  page.docs.forEach((doc, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(snapshotDocBytes(doc));
  });
  parts.push(
    encoder.encode(
      `],"cursor":${JSON.stringify(page.cursor)},"nextPage":${JSON.stringify(page.nextPage)}}`,
    ),
  );
  return joinedBytes(parts);
};

/** `encodeSnapshotBytes(page)` as text. */
export const encodeSnapshotText = (page: SnapshotPage): string =>
  utf8.decode(encodeSnapshotBytes(page));
