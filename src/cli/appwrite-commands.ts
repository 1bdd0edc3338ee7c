/**
 * `immune-sync appwrite setup` and `immune-sync appwrite check`: create, or compare with the
 * schema, the database of an Appwrite project through node-appwrite (docs/appwrite.md); and
 * `immune-sync appwrite seed`: load the reference data into the deployment's log (on TablesDB);
 * `immune-sync appwrite sync-rows --postgres URL`: rewrite every projected row from a log kept
 * in Postgres.
 *
 * The project comes from `--endpoint`, `--project` and `--key` or from `APPWRITE_ENDPOINT`,
 * `APPWRITE_PROJECT_ID` and `APPWRITE_API_KEY`; the key needs the scopes `databases.read`,
 * `databases.write`, `tables.read`, `tables.write`, `columns.read`, `columns.write`,
 * `indexes.read` and `indexes.write`. `check` exits with 1 when anything differs.
 */
import { Command } from 'commander';
import * as E from 'fp-ts/lib/Either.js';
import { tablesDbOf } from '../adapters/appwrite/appwrite-connection.ts';
import { appwriteSchema, DEFAULT_DATABASE_ID } from '../adapters/appwrite/appwrite-schema.ts';
import { checkSchema, setupSchema } from '../adapters/appwrite/appwrite-schema-setup.ts';
import { tablesDbDocumentRows } from '../adapters/appwrite/document-rows.ts';
import { describeDifference } from '../adapters/appwrite/schema-differences.ts';
import { resyncRows } from '../functions/appwrite/rows-resync.ts';
import { seedReferenceData } from '../functions/seed-reference-data.ts';
import { type AppwriteOptions, connectionOf } from './appwrite-project.ts';
import { fail, print, printJson } from './cli-output.ts';
import { withStoreOptions } from './store-options.ts';
import { type SessionOptions, withStore } from './store-session.ts';

const withProjectOptions = (command: Command): Command =>
  command
    .option('--endpoint <url>', 'the Appwrite API endpoint, e.g. https://cloud.appwrite.io/v1')
    .option('--project <id>', 'the project id')
    .option('--key <key>', 'an API key of the project (prefer APPWRITE_API_KEY)')
    .option('--database <id>', 'the database of the synced tables', DEFAULT_DATABASE_ID)
    .option('--json', 'print JSON');

const setupCommand = (): Command =>
  withProjectOptions(
    new Command('setup').description(
      'create the database, tables, columns and indexes that are missing (idempotent)',
    ),
  ).action(async (options: AppwriteOptions) => {
    const connection = connectionOf(options);
    if (typeof connection === 'string') return fail(connection);
    const steps: string[] = [];
    const unfixed = await setupSchema(tablesDbOf(connection), appwriteSchema(options.database), {
      onStep: (step) => {
        steps.push(step);
        if (options.json !== true) print(step);
      },
    });
    const left = unfixed.map(describeDifference);
    if (options.json === true) printJson({ created: steps, unfixed: left });
    else if (steps.length === 0 && left.length === 0) print('nothing to do: the project is set up');
    for (const line of options.json === true ? [] : left) print(`not changed: ${line}`);
    if (left.length > 0) process.exitCode = 1;
  });

const checkCommand = (): Command =>
  withProjectOptions(
    new Command('check').description('report what the project lacks or holds differently'),
  ).action(async (options: AppwriteOptions) => {
    const connection = connectionOf(options);
    if (typeof connection === 'string') return fail(connection);
    const differences = (
      await checkSchema(tablesDbOf(connection), appwriteSchema(options.database))
    ).map(describeDifference);
    if (options.json === true) printJson({ ok: differences.length === 0, differences });
    else if (differences.length === 0) print(`database ${options.database} matches the schema`);
    else for (const line of differences) print(line);
    if (differences.length > 0) process.exitCode = 1;
  });

const seedCommand = (): Command =>
  new Command('seed')
    .description(
      'load the reference data (facilities, EPI vaccines) into the log on the project, once',
    )
    .option('--json', 'print JSON')
    .action(async (options: { readonly json?: boolean }) => {
      await withStore({ appwrite: true }, async (log) => {
        const seeded = await seedReferenceData(log);
        if (E.isLeft(seeded)) return fail(`${seeded.left.code}: ${seeded.left.message}`);
        if (options.json === true) printJson(seeded.right);
        else
          print(`reference data: ${seeded.right.created} created, ${seeded.right.present} present`);
        if (seeded.right.rejected.length > 0) process.exitCode = 1;
      });
    });

const syncRowsCommand = (): Command =>
  withStoreOptions(
    withProjectOptions(
      new Command('sync-rows').description(
        'rewrite every projected row in Appwrite from the log (repairs rows that lag)',
      ),
    ),
  ).action(async (options: AppwriteOptions & SessionOptions) => {
    const connection = connectionOf(options);
    if (typeof connection === 'string') return fail(connection);
    const rows = tablesDbDocumentRows(tablesDbOf(connection), options.database);
    await withStore(options, async (log) => {
      const written = await resyncRows(log, rows);
      if (options.json === true) printJson({ rows: written });
      else print(`wrote ${written} rows`);
    });
  });

/** The `appwrite` command and its subcommands. */
export const appwriteCommand = (): Command =>
  new Command('appwrite')
    .description('set up or check the Appwrite project of a deployment')
    .addCommand(setupCommand())
    .addCommand(checkCommand())
    .addCommand(seedCommand())
    .addCommand(syncRowsCommand());
