/**
 * Reading back the JSON a replica keeps in text columns: ops, logged ops, states, errors,
 * documents' fields. Every value goes through a codec; a row that does not decode was not
 * written by this code (a bug or a damaged file), which throws `CorruptReplicaError`.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { DocumentData } from '../../domain/collection.ts';
import type { OpError } from '../../domain/errors.ts';
import {
  decodeLoggedOp,
  decodeOperation,
  type LoggedOp,
  type Operation,
} from '../../domain/operation.ts';
import type { DocumentState } from '../../projections/document-state.ts';
import { decodeState, packedForm } from '../../projections/state-codec.ts';
import { OpErrorCodec } from '../op-error-codec.ts';
import type { StoredDocument } from './replica-store.ts';

/** A replica row that does not hold what the replica wrote there. */
export class CorruptReplicaError extends Error {
  constructor(what: string, detail: string) {
    super(`corrupt replica ${what}: ${detail}`);
    this.name = 'CorruptReplicaError';
  }
}

const parse = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new CorruptReplicaError(what, 'not JSON');
  }
};

const orThrow = <A>(decoded: E.Either<{ readonly message: string }, A>, what: string): A => {
  if (E.isLeft(decoded)) throw new CorruptReplicaError(what, decoded.left.message);
  return decoded.right;
};

const FieldValues = t.record(t.string, t.union([t.string, t.number, t.boolean, t.null]));
const Strings = t.readonlyArray(t.string);

/** An op the replica wrote with `encodeOperation`. */
export const readOperation = (text: string): Operation =>
  orThrow(decodeOperation(parse(text, 'op')), 'op').op;

/** A logged op the replica wrote with `encodeLoggedOp`. */
export const readLoggedOp = (text: string): LoggedOp =>
  orThrow(decodeLoggedOp(parse(text, 'logged op')), 'logged op');

/**
 * Values read from stored texts, kept by their text: a text always reads as the same value, so
 * one read again gives the value it gave before, without parsing and checking it again. A
 * document edited concurrently is re-folded from all of its logged ops at each concurrent op the
 * replica settles; in a load run of 50 devices, decoding them again was a tenth of the devices'
 * time. At most `2 * capacity` texts are kept, in two generations: when the newer one is full, the
 * older one is dropped.
 */
export class ReadTexts<A> {
  readonly #read: (text: string) => A;
  readonly #capacity: number;
  #newer = new Map<string, A>();
  #older = new Map<string, A>();

  constructor(read: (text: string) => A, capacity: number) {
    this.#read = read;
    this.#capacity = capacity;
  }

  /** The value of `text` (throws as `read` throws; a text that throws is not kept). */
  read(text: string): A {
    const known = this.#newer.get(text) ?? this.#older.get(text);
    if (known !== undefined) return known;
    const value = this.#read(text);
    if (this.#newer.size >= this.#capacity) {
      this.#older = this.#newer;
      this.#newer = new Map();
    }
    this.#newer.set(text, value);
    return value;
  }
}

/**
 * The generation size of the logged ops a replica keeps read (`ReadTexts`): at most 4,000 kept,
 * about 5 MiB for ops of the benchmarks' data set (text and value).
 */
export const KEPT_LOGGED_OPS = 2000;

/** The text each state read or written by the replica has in its rows. */
const storedTexts = new WeakMap<DocumentState, string>();

/**
 * A document state as the replica stores it: its packed form (`packed-state.ts`) as plain JSON.
 * The text need not be canonical (`encodeState` is for texts compared across replicas), so
 * `JSON.stringify` writes it faster; a state read from a packed value (a snapshot page's `meta`,
 * a stored row) is written from that value, without packing again, and a state read from a row
 * is written as the row's text. Equal texts mean equal states; a state may have more than one
 * text (key order), which only costs a comparison its shortcut.
 */
export const storedState = (state: DocumentState): string =>
  storedTexts.get(state) ?? JSON.stringify(packedForm(state));

/**
 * `storedState`, remembered for the state, for a caller that compares the text before the state
 * is written (remembering every state written, a bootstrap's hundreds of thousands, would load
 * the garbage collector with as many weak entries).
 */
export const storedStateKept = (state: DocumentState): string => {
  const known = storedTexts.get(state);
  if (known !== undefined) return known;
  const text = JSON.stringify(packedForm(state));
  storedTexts.set(state, text);
  return text;
};

/** A document state the replica wrote with `storedState` (or, before, `encodeState`). */
export const readState = (text: string): DocumentState => {
  const state = orThrow(decodeState(text), 'state');
  storedTexts.set(state, text);
  return state;
};

/** The stored text of the view of each document read from a row, decoded or not. */
const viewTexts = new WeakMap<StoredDocument, string>();

/** Records the text a document's view was read from (the store's reads call it). */
export const rememberViewText = (doc: StoredDocument, text: string): void => {
  viewTexts.set(doc, text);
};

/**
 * The stored text of a document's view (see `storedState`): for a document read from a row,
 * that row's text, without decoding the view.
 */
export const viewTextOf = (doc: StoredDocument): string =>
  viewTexts.get(doc) ?? storedState(doc.view);

/** A document's materialized fields. */
export const readData = (text: string): DocumentData => {
  const decoded = FieldValues.decode(parse(text, 'data'));
  if (E.isLeft(decoded)) throw new CorruptReplicaError('data', 'not an object of field values');
  return decoded.right;
};

/** A JSON array of strings (disputed fields). */
export const readStrings = (text: string): readonly string[] => {
  const decoded = Strings.decode(parse(text, 'list'));
  if (E.isLeft(decoded)) throw new CorruptReplicaError('list', 'not an array of strings');
  return decoded.right;
};

/** A rejection's error. */
export const readOpError = (text: string): OpError => {
  const decoded = OpErrorCodec.decode(parse(text, 'error'));
  if (E.isLeft(decoded)) throw new CorruptReplicaError('error', 'not an op error');
  return decoded.right;
};
