/** The document a route names with `:collection` and `:docId`. */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName } from '../domain/collection.ts';
import { CollectionNameCodec } from '../domain/collections.ts';
import { DocId } from '../domain/ids.ts';

/** A collection and a document id, both valid. */
export interface DocumentAddress {
  readonly collection: CollectionName;
  readonly docId: DocId;
}

/** The document named by the route's parameters, or undefined if they name none. */
export const documentAddressOf = (
  params: Readonly<Record<string, string>>,
): DocumentAddress | undefined => {
  const collection = CollectionNameCodec.decode(params.collection);
  const docId = DocId.decode(params.docId);
  if (E.isLeft(collection) || E.isLeft(docId)) return undefined;
  return { collection: collection.right, docId: docId.right };
};
