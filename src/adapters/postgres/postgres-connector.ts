/**
 * How the Postgres adapter reaches its database: a pool for queries, and the configuration to
 * open dedicated clients (the LISTEN connection) the same way. Every connection is put in the
 * log's schema through the `search_path` startup option, so that no query names a schema.
 */
import pg from 'pg';

/** Postgres's oid of `int8` (bigint), which pg returns as text by default. */
const INT8_OID = 20;

/**
 * Type parsers that read `bigint` columns as numbers: positions, seqs and epoch ms stay far
 * below 2^53.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string): number => Number(value)
      : pg.types.getTypeParser(oid, format),
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The pool and the client configuration of one log's store. */
export interface PostgresConnector {
  readonly pool: pg.Pool;
  readonly clientConfig: pg.ClientConfig;
}

/** True for the schema names the adapter accepts (plain lower-case identifiers). */
export const isSchemaName = (schema: string): boolean => SCHEMA_NAME.test(schema);

/** Builds the connector of a log in `schema` (which must pass `isSchemaName`). */
export const postgresConnector = (
  connectionString: string,
  schema: string,
  poolSize: number,
): PostgresConnector => {
  if (!isSchemaName(schema)) throw new Error(`not a plain schema name: ${schema}`);
  const clientConfig: pg.ClientConfig = {
    connectionString,
    options: `-c search_path=${schema}`,
    types,
  };
  return { pool: new pg.Pool({ ...clientConfig, max: poolSize }), clientConfig };
};

/** Creates the schema if it does not exist (with a client of its own). */
export const ensureSchema = async (connectionString: string, schema: string): Promise<void> => {
  if (!isSchemaName(schema)) throw new Error(`not a plain schema name: ${schema}`);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`create schema if not exists ${schema}`);
  } catch (error) {
    // Two instances creating the schema at once: the loser sees a duplicate; the schema exists.
    const exists = await client.query('select 1 from pg_namespace where nspname = $1', [schema]);
    if (exists.rowCount === 0) throw error;
  } finally {
    await client.end();
  }
};
