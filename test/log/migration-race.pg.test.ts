/**
 * Opening a Postgres log while other schemas of the database come and go (sibling logs removed,
 * other tests' schemas dropped). kysely's migrator asks its introspector whether its tables
 * exist, and kysely's Postgres introspector reads every schema: one dropped meanwhile failed the
 * open with `invalid_schema_name` (seen once in CI; the first test below failed 6 runs of 6 that
 * way). The log introspects its own schema only (`one-schema-introspector.ts`), and gives for it
 * what kysely's introspector gives. Runs whenever DATABASE_URL is set (CI sets it).
 */
import { Kysely, PostgresDialect, PostgresIntrospector } from 'kysely';
import pg from 'pg';
import { expect, test } from 'vitest';
import { OneSchemaIntrospector } from '../../src/adapters/postgres/one-schema-introspector.ts';
import { openPostgresLog } from '../../src/adapters/postgres/postgres-log.ts';
import { dropSchema, testSchemaName } from './postgres-schemas.ts';

const DATABASE_URL = process.env.DATABASE_URL;

/** Creates and drops schemas holding a table, one after the other, until `stop` is called. */
const churnSchemas = (connectionString: string) => {
  let running = true;
  const client = new pg.Client({ connectionString });
  const done = (async () => {
    await client.connect();
    try {
      while (running) {
        const schema = testSchemaName('churn');
        await client.query(`create schema ${schema}`);
        await client.query(`create table ${schema}.t (a serial, b text, c integer)`);
        await client.query(`drop schema ${schema} cascade`);
      }
    } finally {
      await client.end();
    }
  })();
  return {
    stop: async (): Promise<void> => {
      running = false;
      await done;
    },
  };
};

test.skipIf(DATABASE_URL === undefined)(
  'a log opens while other schemas of the database are created and dropped',
  async () => {
    const url = DATABASE_URL ?? '';
    const churns = [churnSchemas(url), churnSchemas(url)];
    const opened: string[] = [];
    try {
      for (let i = 0; i < 15; i++) {
        const schema = testSchemaName('log_race');
        try {
          const log = await openPostgresLog({ connectionString: url, schema, poolSize: 2 });
          await log.close();
          opened.push(schema);
        } finally {
          await dropSchema(url, schema);
        }
      }
    } finally {
      await Promise.all(churns.map((churn) => churn.stop()));
    }
    expect(opened).toHaveLength(15);
  },
  60_000,
);

test.skipIf(DATABASE_URL === undefined)(
  "the log's introspection of its schema is kysely's, for that schema",
  async () => {
    const url = DATABASE_URL ?? '';
    const schema = testSchemaName('log_introspect');
    const log = await openPostgresLog({ connectionString: url, schema, poolSize: 2 });
    await log.close();
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    });
    try {
      for (const withInternalKyselyTables of [false, true]) {
        const options = { withInternalKyselyTables };
        const theirs = (await new PostgresIntrospector(db).getTables(options)).filter(
          (table) => table.schema === schema,
        );
        const ours = await new OneSchemaIntrospector(db, schema).getTables(options);
        expect(theirs.length).toBeGreaterThan(3);
        expect(ours).toEqual(theirs);
      }
      expect(await new OneSchemaIntrospector(db, schema).getSchemas()).toEqual([{ name: schema }]);
    } finally {
      await db.destroy();
      await dropSchema(url, schema);
    }
  },
);
