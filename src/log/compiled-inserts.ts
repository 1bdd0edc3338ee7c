/**
 * Multi-row inserts compiled once per shape. kysely builds a tree of nodes for every statement
 * (thousands for 500 rows of 12 columns) and compiles it to SQL; the append writes the same few
 * statements with the same row counts over and over, so each shape's SQL text is compiled once,
 * by kysely (so it is the dialect's own text), and then run again with the new rows' values.
 *
 * Invariants:
 * 1. A text is reused only for the same statement and the same number of rows, and its
 *    parameters are bound row by row in the order of the statement's columns, as kysely binds
 *    them. When a text is compiled, that order is checked against kysely's own parameters: a
 *    statement whose parameters are not exactly its rows' values is never cached.
 * 2. A row whose keys are not exactly the text's columns (one it lacks would be `default`, one
 *    it adds a column of its own) is never bound to a cached text: such rows are compiled as they
 *    are.
 * 3. At most `capacity` texts are kept; the least recently used one is dropped first.
 */
import { CompiledQuery, type InsertQueryNode, type Kysely } from 'kysely';
import type { LogTables } from './log-tables.ts';

/** An insert as kysely builds it, for any rows of the statement. */
export interface InsertStatement<R, DB = LogTables> {
  /** Names the statement (its table and clauses); with the row count, it keys the cache. */
  readonly name: string;
  readonly build: (
    db: Kysely<DB>,
    rows: readonly R[],
  ) => { toOperationNode(): InsertQueryNode; compile(): CompiledQuery<unknown> };
}

interface CompiledShape {
  readonly sql: string;
  readonly columns: readonly string[];
}

/**
 * A statement's parameters for `rows`, row by row in the order of `columns`; undefined if a row's
 * keys are not exactly `columns` (see invariant 2).
 */
export const rowParameters = (
  rows: readonly object[],
  columns: readonly string[],
): unknown[] | undefined => {
  const parameters: unknown[] = [];
  for (const row of rows) {
    if (Object.keys(row).length !== columns.length) return undefined;
    for (const column of columns) {
      const value: unknown = Reflect.get(row, column);
      if (value === undefined) return undefined;
      parameters.push(value);
    }
  }
  return parameters;
};

const sameParameters = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((value, i) => Object.is(value, b[i]));

/** How many texts a log keeps: a few statements, each at a few row counts. */
export const DEFAULT_INSERT_CAPACITY = 64;

/** The compiled texts of one database's inserts (see the module): a log's, or a replica's. */
export class CompiledInserts {
  readonly #capacity: number;
  readonly #shapes = new Map<string, CompiledShape>();

  constructor(capacity = DEFAULT_INSERT_CAPACITY) {
    this.#capacity = capacity;
  }

  /** Runs `statement` for `rows` (one or more) on `db`. */
  async run<R extends object, DB = LogTables>(
    db: Kysely<DB>,
    statement: InsertStatement<R, DB>,
    rows: readonly R[],
  ): Promise<void> {
    const key = `${statement.name}:${rows.length}`;
    const shape = this.#shapes.get(key);
    const parameters = shape === undefined ? undefined : rowParameters(rows, shape.columns);
    if (shape !== undefined && parameters !== undefined) {
      this.#shapes.delete(key);
      this.#shapes.set(key, shape);
      await db.executeQuery(CompiledQuery.raw(shape.sql, parameters));
      return;
    }
    const query = statement.build(db, rows);
    const compiled = query.compile();
    const columns = (query.toOperationNode().columns ?? []).map((c) => c.column.name);
    const expected = rowParameters(rows, columns);
    if (expected !== undefined && sameParameters(expected, compiled.parameters)) {
      this.#remember(key, { sql: compiled.sql, columns });
    }
    await db.executeQuery(compiled);
  }

  #remember(key: string, shape: CompiledShape): void {
    this.#shapes.delete(key);
    this.#shapes.set(key, shape);
    if (this.#shapes.size > this.#capacity) {
      const oldest = this.#shapes.keys().next();
      if (oldest.done !== true) this.#shapes.delete(oldest.value);
    }
  }
}
