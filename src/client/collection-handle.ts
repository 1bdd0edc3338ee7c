/**
 * The typed face of one collection: mutations (create, update, delete, restore) and queries
 * (get, list, subscribe) on the replica's optimistic view.
 *
 * Invariants:
 * 1. A mutation resolves only once its op is in the durable outbox (`mutate.ts`); a refused
 *    one resolves with the error the server would have given (`invalid` with a path).
 * 2. Queries read the optimistic view: the server's projection plus this device's pending ops,
 *    folded by the same reducers. A document's `data` is decoded by the collection's codec, so
 *    its type is proven, not assumed.
 *
 * @example
 * const created = await replica.patients.create({
 *   fullName: 'Amina Yusuf', sex: 'F', dateOfBirth: '2024-03-01', facilityId: 'fac-1',
 * });
 * if (E.isRight(created)) await replica.patients.update(created.right.docId, { townVillage: 'Kisumu' });
 * const girls = await replica.patients.list({ where: { sex: 'F' } });
 */
import * as E from 'fp-ts/lib/Either.js';
import type { CollectionName, DocumentData } from '../domain/collection.ts';
import type { OpError } from '../domain/errors.ts';
import type { Mutation } from './author-op.ts';
import { DOCUMENT_CODECS, type DocumentInputs, type DocumentTypes } from './document-types.ts';
import { mutate } from './mutate.ts';
import type { ReplicaContext } from './replica-context.ts';
import type { ViewRow } from './store/replica-store.ts';
import { uuidV7 } from './uuid-v7.ts';

/** A document as the replica shows it. */
export interface ReplicaDocument<T> {
  readonly collection: CollectionName;
  readonly docId: string;
  readonly data: T;
  /** True once deleted (a tombstone; `restore` brings it back). */
  readonly deleted: boolean;
  /** Review fields whose concurrent values disagree (shown provisionally). */
  readonly disputed: readonly string[];
  /** True while some op of this device on it has not come back logged from the server. */
  readonly pending: boolean;
}

/** A list query: fields that must equal the given values; deleted documents left out by default. */
export interface ListQuery<T> {
  readonly where?: Partial<T>;
  readonly includeDeleted?: boolean;
}

/** The op a mutation wrote. */
export interface Written {
  readonly docId: string;
  readonly seq: number;
}

/**
 * One collection's operations: `T` is the document as read (ids branded by the codec), `I` what
 * a mutation takes (the codec's input: ids as plain strings).
 */
export interface CollectionHandle<T, I = T> {
  readonly name: CollectionName;
  /** Creates a document (with a new UUIDv7 id unless `docId` is given). */
  create(data: I, docId?: string): Promise<E.Either<OpError, Written>>;
  /** Writes the given fields only. */
  update(docId: string, changes: Partial<I>): Promise<E.Either<OpError, Written>>;
  delete(docId: string): Promise<E.Either<OpError, Written>>;
  restore(docId: string): Promise<E.Either<OpError, Written>>;
  /** The document, deleted or not; undefined when the replica does not hold it. */
  get(docId: string): Promise<ReplicaDocument<T> | undefined>;
  /** The documents that match, ordered by id. */
  list(query?: ListQuery<I>): Promise<readonly ReplicaDocument<T>[]>;
  /** Calls `listener` with the query's result now and after every change of the collection. */
  subscribe(
    query: ListQuery<I>,
    listener: (docs: readonly ReplicaDocument<T>[]) => void,
  ): () => void;
}

const matches = (data: DocumentData, where: object | undefined): boolean =>
  where === undefined ||
  Object.entries(where).every(
    ([field, value]) =>
      value === undefined || (Object.hasOwn(data, field) && data[field] === value),
  );

/** The handle of collection `name`; `afterWrite` runs after each mutation that wrote an op. */
export const collectionHandle = <C extends CollectionName>(
  context: ReplicaContext,
  name: C,
  afterWrite: () => void,
): CollectionHandle<DocumentTypes[C], DocumentInputs[C]> => {
  type T = DocumentTypes[C];
  type I = DocumentInputs[C];
  const codec = DOCUMENT_CODECS[name];

  const write = async (mutation: Mutation): Promise<E.Either<OpError, Written>> => {
    const result = await mutate(context, mutation);
    if (E.isLeft(result)) return result;
    afterWrite();
    return E.right({ docId: result.right.docId, seq: result.right.seq });
  };

  const documentOf = (row: ViewRow): ReplicaDocument<T> | undefined => {
    const data = codec.decode(row.data);
    // A view always holds a whole document once created; one that does not is left out.
    if (E.isLeft(data)) return undefined;
    return {
      collection: name,
      docId: row.docId,
      data: data.right,
      deleted: row.deleted,
      disputed: row.disputed,
      pending: row.pending,
    };
  };

  const list = async (query: ListQuery<I> = {}): Promise<readonly ReplicaDocument<T>[]> => {
    const rows = await context.store.views(name);
    const docs: ReplicaDocument<T>[] = [];
    for (const row of rows) {
      if (row.deleted && query.includeDeleted !== true) continue;
      if (!matches(row.data, query.where)) continue;
      const doc = documentOf(row);
      if (doc !== undefined) docs.push(doc);
    }
    return docs;
  };

  return {
    name,
    create: (data, docId) =>
      write({ kind: 'create', collection: name, docId: docId ?? uuidV7(context.now()), data }),
    update: (docId, changes) => write({ kind: 'update', collection: name, docId, data: changes }),
    delete: (docId) => write({ kind: 'delete', collection: name, docId }),
    restore: (docId) => write({ kind: 'restore', collection: name, docId }),
    get: async (docId) => {
      const row = await context.store.view({ collection: name, docId });
      return row === undefined || !row.created ? undefined : documentOf(row);
    },
    list,
    subscribe: (query, listener) => {
      let active = true;
      let queued = false;
      const refresh = (): void => {
        if (queued) return;
        queued = true;
        queueMicrotask(() => {
          queued = false;
          void list(query).then(
            (docs) => {
              if (active) listener(docs);
            },
            () => undefined,
          );
        });
      };
      const stop = context.events.on('changed', (event) => {
        if (event.collection === name) refresh();
      });
      refresh();
      return () => {
        active = false;
        stop();
      };
    },
  };
};
