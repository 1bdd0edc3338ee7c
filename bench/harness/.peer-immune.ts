import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createReplica } from '../../src/client/replica.ts';
import { httpTransport } from '../../src/client/transports/http-transport.ts';
import { datasetOf, facilitiesOf, patientIdOf } from '../data/immunization-dataset.ts';
import { ADMIN_TOKEN, writePrincipals } from './bench-principals.ts';
import { startBenchServer } from './bench-server.ts';
import { freshStore } from './bench-stores.ts';
import { LogBuilder } from './build-log.ts';
import { openLog } from './open-log.ts';
import { retryingFetch } from './retrying-fetch.ts';

const PATIENTS = Number(process.env.PEER_PATIENTS ?? 25_000);
const EDITS = Number(process.env.PEER_EDITS ?? 10_000);
const config = datasetOf(PATIENTS);
const fresh = await freshStore('sqlite');
const principals = join(fresh.dir, 'principals.json');
await writePrincipals(principals, facilitiesOf(config));
const builder = new LogBuilder(config);
const log = await openLog(fresh.store);
await builder.seed(log);
await builder.next(log, Number.POSITIVE_INFINITY);
await log.close();
const server = await startBenchServer(fresh.store, principals);
const t0 = performance.now();
const marks: string[] = [];
const mark = (s: string) => marks.push(`${((performance.now() - t0) / 1000).toFixed(3)} ${s}`);
const base = httpTransport({
  baseUrl: server.url,
  token: ADMIN_TOKEN,
  timeoutMs: 300_000,
  fetch: retryingFetch,
});
const transport = {
  ...base,
  push: async (d: string, ops: readonly any[]) => {
    mark(`push> ${ops.length}`);
    const r = await base.push(d, ops);
    mark('push<');
    return r;
  },
  pull: async (r: any) => {
    mark('pull>');
    const a = await base.pull(r);
    mark(`pull< ${E.isRight(a) ? a.right.ops.length : 'err'}`);
    return a;
  },
};
const replica = await createReplica({
  path: join(fresh.dir, 'r.db'),
  deviceId: 'bench-peer-tablet',
  principal: { userId: 'bench-admin', role: 'admin' },
  transport,
});
let s = performance.now();
const initial = await replica.sync();
console.log('initial', ((performance.now() - s) / 1000).toFixed(2), builder.size, initial.ok);
marks.length = 0;
for (let i = 0; i < EDITS; i++) {
  const w = await replica.patients.update(patientIdOf(i), { townVillage: 'Kisozi (moved)' });
  if (E.isLeft(w)) throw new Error('edit');
}
s = performance.now();
const pushed = await replica.sync();
console.log('push', ((performance.now() - s) / 1000).toFixed(2), pushed.pushed);
if (process.env.MARKS) console.log(marks.join('\n'));
await replica.close();
await server.stop();
await fresh.remove();
