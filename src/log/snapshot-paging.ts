/**
 * The storage-free rules of a snapshot page, shared by every log backend: checking the page
 * size, reading and signing page tokens, and shaping documents and the page from what a backend
 * has read.
 *
 * Invariants:
 * 1. A page size is a whole number from 1 to `MAX_SNAPSHOT_PAGE`, else `bad_request`.
 * 2. A page token is signed like a cursor and names the snapshot's head and the last document
 *    given, `(collection, docId)`; a forged or malformed one is `bad_cursor`.
 * 3. Every page of one snapshot carries the cursor of the same head, the one read for its first
 *    page; later pages take it from their token, never from the log.
 * 4. A page has a `nextPage` only when documents remain after it and it holds at least one.
 * 5. A document's wire text is the JSON of its wire shape. A backend that stores a document's
 *    state and fields as the texts this code wrote (`encodeState`, the JSON of the materialized
 *    fields) hands those texts over as they are (`snapshotDocOfTexts`): a snapshot of the whole
 *    scope then unpacks, checks, materializes and re-encodes no state. Each text is parsed once
 *    to make sure it is one JSON object, so that a row changed behind the log's back fails the
 *    page (`CorruptRowError`) instead of breaking it or adding to it; its `data` and `meta` go
 *    through their codecs only if read, and `verify` checks the stored texts against the ops.
 *    A backend that can test JSON itself (`LogDialect.jsonTextValid`, SQLite) does so as it
 *    reads the rows: a text it finds well-formed that starts with `{` is one JSON object and is
 *    not parsed again; any other is parsed, which decides. The SQLite log's pages of the peer
 *    benchmark's 100,061 documents, read and encoded: 4.2 s of server time when every state
 *    was decoded, 1.3 s (0.9 s of it without that parse); SQLite's test costs ~0.15 s of the
 *    ~0.45 s the parse did.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { CollectionName, DocumentData } from '../domain/collection.ts';
import { type SyncError, syncError } from '../domain/errors.ts';
import type { DocumentState } from '../projections/document-state.ts';
import { materialize } from '../projections/materialize.ts';
import { snapshotMeta } from '../projections/state-codec.ts';
import { FieldValueCodec } from '../projections/state-records.ts';
import { encodeCursor, positionOf } from './cursor.ts';
import type { LogIdentity } from './log-identity.ts';
import type { SnapshotDoc, SnapshotMeta, SnapshotPage } from './operation-log.ts';
import { signToken, verifyToken } from './signed-token.ts';
import { readJsonText } from './stored-json.ts';

/** The most documents a snapshot page holds (PROTOCOL.md, GET /v1/snapshot). */
export const MAX_SNAPSHOT_PAGE = 5000;

/**
 * The documents of a page when the caller does not say: 2,000, not the 5,000 allowed. Measured,
 * a fresh device's initial sync of 100,061 documents over loopback from a warm server, pages of
 * 1,000 / 2,000 / 2,500 / 5,000 alternated: 2.57-2.75 / 2.29-2.55 / 2.58-2.80 / 2.52-2.93 s, the
 * push of 10,000 edits after it no slower; the bootstrap benchmark's client peak RSS 215.6 MiB
 * against 238.3 (a device holds one parsed page and the next one's bytes). The device alone,
 * replaying recorded pages, is no faster (1.82 against 1.78 s): the gain is in the exchange with
 * the server, where a smaller page is ready sooner (docs/benchmarks.md).
 */
export const DEFAULT_SNAPSHOT_PAGE = 2000;

const PAGE_KIND = 's';

/** Where a page starts: the snapshot's head, and the last document of the page before. */
export interface PagePosition {
  readonly head: number;
  readonly after: { readonly collection: string; readonly docId: string } | undefined;
}

/** `pageSize` if it is a whole number from 1 to `MAX_SNAPSHOT_PAGE`, else `bad_request`. */
export const checkSnapshotPageSize = (pageSize: number): E.Either<SyncError, number> =>
  Number.isSafeInteger(pageSize) && pageSize >= 1 && pageSize <= MAX_SNAPSHOT_PAGE
    ? E.right(pageSize)
    : E.left(syncError('bad_request', `a snapshot page holds 1 to ${MAX_SNAPSHOT_PAGE} documents`));

const readPageToken = (identity: LogIdentity, token: string): E.Either<SyncError, PagePosition> => {
  const fields = verifyToken(identity, PAGE_KIND, token, 'snapshot page');
  if (E.isLeft(fields)) return fields;
  const [head, collection, docId] = fields.right;
  if (
    head === undefined ||
    collection === undefined ||
    docId === undefined ||
    !/^\d+$/.test(head)
  ) {
    return E.left(syncError('bad_cursor', 'the snapshot page is not one this server issued'));
  }
  return E.right({ head: Number(head), after: { collection, docId } });
};

/**
 * Where the page `page` starts: a new snapshot at the head `readHead` gives when `page` is
 * absent (the head is read only then), else the position its token names.
 */
export const pagePosition = async (
  identity: LogIdentity,
  page: string | undefined,
  readHead: () => Promise<number>,
): Promise<E.Either<SyncError, PagePosition>> =>
  page === undefined
    ? E.right({ head: await readHead(), after: undefined })
    : readPageToken(identity, page);

/** A document of a snapshot page, given as its state as of the snapshot's head. */
export const snapshotDoc = (
  collection: CollectionName,
  docId: string,
  state: DocumentState,
): SnapshotDoc => {
  const m = materialize(state);
  return { collection, docId, data: m.data, deleted: m.deleted, meta: snapshotMeta(state) };
};

const StoredFields = t.readonly(t.record(t.string, FieldValueCodec), 'StoredFields');

/** A snapshot document's wire fields, as a plain object. */
const wireShape = (doc: SnapshotDoc): SnapshotDoc => ({
  collection: doc.collection,
  docId: doc.docId,
  data: doc.data,
  deleted: doc.deleted,
  meta: doc.meta,
});

/** The texts a backend stores for a document: its state (`encodeState`) and its fields' JSON. */
export interface StoredDocumentTexts {
  readonly state: string;
  readonly data: string;
  readonly deleted: boolean;
}

/**
 * A snapshot document given by its stored texts (invariant 5); see `snapshotDocOfTexts`. Its
 * own enumerable fields are the wire shape's, and `toJSON` gives that shape.
 */
class StoredSnapshotDoc implements SnapshotDoc {
  readonly deleted: boolean;
  readonly #texts: StoredDocumentTexts;
  readonly #what: string;
  #data: DocumentData | undefined;
  #meta: SnapshotMeta | undefined;

  constructor(
    readonly collection: CollectionName,
    readonly docId: string,
    texts: StoredDocumentTexts,
    what: string,
  ) {
    this.deleted = texts.deleted;
    this.#texts = texts;
    this.#what = what;
  }

  get data(): DocumentData {
    this.#data ??= readJsonText(StoredFields, this.#texts.data, this.#what);
    return this.#data;
  }

  get meta(): SnapshotMeta {
    this.#meta ??= { state: readJsonText(t.UnknownRecord, this.#texts.state, this.#what) };
    return this.#meta;
  }

  /** The document's wire JSON, its stored texts placed as they are. */
  wireJson(): string {
    return (
      `{"collection":${JSON.stringify(this.collection)},"docId":${JSON.stringify(this.docId)},` +
      `"data":${this.#texts.data},"deleted":${this.deleted},"meta":{"state":${this.#texts.state}}}`
    );
  }

  toJSON(): SnapshotDoc {
    return wireShape(this);
  }
}

/** `{`: a well-formed JSON text that starts with it is one object. */
const OPENING_BRACE = 0x7b;

/**
 * Returns when `text` is one JSON object, given whether the backend found it well-formed JSON
 * (invariant 5); throws `CorruptRowError` naming the row (`what`) otherwise.
 */
const checkObjectText = (text: string, wellFormed: boolean, what: string): void => {
  if (wellFormed && text.charCodeAt(0) === OPENING_BRACE) return;
  readJsonText(t.UnknownRecord, text, what);
};

/**
 * A document of a snapshot page given by the texts its backend stores for it as of the
 * snapshot's head (invariant 5). Each text must be one JSON object, else `CorruptRowError`
 * naming the row (`what`); `wellFormed`: the backend has found both to be well-formed JSON, so
 * that only their first character is left to look at. `data` and `meta` are checked by their
 * codecs when read.
 */
export const snapshotDocOfTexts = (
  collection: CollectionName,
  docId: string,
  texts: StoredDocumentTexts,
  what: string,
  wellFormed = false,
): SnapshotDoc => {
  // Placed in the page as they are: one changed behind the log's back must not break the page
  // or add to it.
  checkObjectText(texts.state, wellFormed, what);
  checkObjectText(texts.data, wellFormed, what);
  return new StoredSnapshotDoc(collection, docId, texts, what);
};

/** The JSON of a snapshot document's wire shape: its stored texts when it has them. */
export const snapshotDocJson = (doc: SnapshotDoc): string =>
  doc instanceof StoredSnapshotDoc ? doc.wireJson() : JSON.stringify(wireShape(doc));

/** The page of `docs` of the snapshot at `head`; `more` when documents remain after them. */
export const snapshotAnswer = (
  identity: LogIdentity,
  head: number,
  docs: readonly SnapshotDoc[],
  more: boolean,
): SnapshotPage => {
  const last = docs.at(-1);
  return {
    docs,
    cursor: encodeCursor(identity, positionOf(head)),
    nextPage:
      more && last !== undefined
        ? signToken(identity, PAGE_KIND, [String(head), last.collection, last.docId])
        : null,
  };
};
