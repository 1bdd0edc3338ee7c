/** Test schemas on the Postgres at DATABASE_URL: each test works in one of its own. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A new schema name with `prefix` (not created: the log creates it on open). */
export const testSchemaName = (prefix: string): string =>
  `${prefix}_${randomBytes(6).toString('hex')}`;

/** Drops a test schema and everything in it. */
export const dropSchema = async (connectionString: string, schema: string): Promise<void> => {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
};
