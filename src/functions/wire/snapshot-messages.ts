/**
 * `GET /v1/snapshot?page=TOKEN` (PROTOCOL.md): pages of the documents visible to the principal,
 * all at one cursor.
 */
import * as t from 'io-ts';
import type { SnapshotPage } from '../../log/operation-log.ts';
import { snapshotDocJson } from '../../log/snapshot-paging.ts';

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

/**
 * The JSON text of `encodeSnapshotResponse(page)` in pieces, in order, each document as
 * `snapshotDocJson` gives it: the texts a backend stored for it, placed as they are, else its
 * JSON. Rendered as bytes without joining them (`utf8-bytes.ts`).
 */
export const encodeSnapshotPieces = (page: SnapshotPage): readonly string[] => {
  const pieces: string[] = ['{"docs":['];
  for (const [i, doc] of page.docs.entries()) {
    if (i > 0) pieces.push(',');
    pieces.push(snapshotDocJson(doc));
  }
  pieces.push(
    `],"cursor":${JSON.stringify(page.cursor)},"nextPage":${JSON.stringify(page.nextPage)}}`,
  );
  return pieces;
};

/** The JSON text of `encodeSnapshotResponse(page)`: `encodeSnapshotPieces` joined. */
export const encodeSnapshotText = (page: SnapshotPage): string =>
  encodeSnapshotPieces(page).join('');
