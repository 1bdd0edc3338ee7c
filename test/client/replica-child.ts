/**
 * A device in a child process, for the crash tests: it opens a replica on a file and obeys
 * commands on stdin, one per line, answering on stdout. The parent kills it with SIGKILL at the
 * moment it wants to test.
 *
 *   node --import tsx test/client/replica-child.ts DB DEVICE URL USER
 *
 * Commands:
 *   create NAME          creates a patient; prints `created DOCID SEQ` once the mutation returned
 *   create-many N        creates N patients, printing `created DOCID SEQ` after each
 *   hold-push-before     the next push is never sent: prints `push-held` and waits forever
 *   hold-push-after      the next push is sent; once its answer is in, prints `push-answered`
 *                        and waits forever before handing it to the replica
 *   sync                 prints `synced OK PUSHED PULLED`
 */
import { createInterface } from 'node:readline';
import * as E from 'fp-ts/lib/Either.js';
import { createReplica } from '../../src/client/replica.ts';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import { type TestUser, TOKENS } from '../functions/sync-fixtures.ts';
import { PRINCIPALS, patientData } from './client-fixtures.ts';

const [db, deviceId, url, userArg] = process.argv.slice(2);
const isUser = (u: string | undefined): u is TestUser => u !== undefined && u in TOKENS;
if (db === undefined || deviceId === undefined || url === undefined || !isUser(userArg)) {
  process.stderr.write('usage: replica-child.ts DB DEVICE URL USER\n');
  process.exit(2);
}

type Hold = 'none' | 'before' | 'after';
let hold: Hold = 'none';
const forever = new Promise<never>(() => {});

const holdingFetch: typeof fetch = async (input, init) => {
  const isPush = String(input).includes('/v1/push');
  if (isPush && hold === 'before') {
    process.stdout.write('push-held\n');
    return forever;
  }
  const response = await fetch(input, init);
  if (isPush && hold === 'after') {
    await response.clone().arrayBuffer();
    process.stdout.write('push-answered\n');
    return forever;
  }
  return response;
};

const replica = await createReplica({
  path: db,
  deviceId,
  principal: PRINCIPALS[userArg],
  transport: httpTransport({ baseUrl: url, token: TOKENS[userArg], fetch: holdingFetch }),
});

const create = async (name: string): Promise<void> => {
  const result = await replica.patients.create(patientData(name));
  if (E.isLeft(result)) throw new Error(`create refused: ${result.left.message}`);
  process.stdout.write(`created ${result.right.docId} ${result.right.seq}\n`);
};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, arg] = line.trim().split(/\s+/);
  switch (command) {
    case 'create':
      await create(arg ?? 'Child');
      break;
    case 'create-many':
      for (let i = 0; i < Number(arg ?? '1'); i++) await create(`Child ${i}`);
      break;
    case 'hold-push-before':
      hold = 'before';
      process.stdout.write('ok\n');
      break;
    case 'hold-push-after':
      hold = 'after';
      process.stdout.write('ok\n');
      break;
    case 'sync': {
      const report = await replica.sync();
      process.stdout.write(`synced ${report.ok} ${report.pushed} ${report.pulled}\n`);
      break;
    }
    default:
      process.stdout.write(`unknown ${command}\n`);
  }
}
await replica.close();
