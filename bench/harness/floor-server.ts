/**
 * The push floor behind HTTP: the least server that answers PROTOCOL.md's `POST /v1/push` for
 * one facility's tablet, so that the floor can be measured with the same client, over the same
 * loopback, as the real server (`bench/append-floor.ts`). A child process, like the real server:
 *
 *   node --import tsx bench/harness/floor-server.ts --db <log.db> --facility <id> --token <t>
 *
 * The store must hold the log's schema, empty. Per request it does only what HTTP adds to the
 * floor's append (`append-floor-ops.ts`), in its plainest form: the bearer token compared, the
 * body read whole and gunzipped when the client gzipped it (as the client does above 1 KiB), the
 * answer's JSON sent as it is (no compression: PROTOCOL lets a server answer in identity). A
 * request the floor cannot serve is a 4xx; an op its append refuses stops the process, as the
 * floor stops the benchmark.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { floorAppender, sqliteWrites } from './append-floor-ops.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    facility: { type: 'string' },
    token: { type: 'string' },
  },
});
const { db: path, facility, token } = values;
if (path === undefined || facility === undefined || token === undefined) {
  throw new Error('usage: floor-server.ts --db <log.db> --facility <id> --token <token>');
}

const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const append = floorAppender(sqliteWrites(db), facility);

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/v1/push') {
    response.writeHead(404).end();
    request.resume();
    return;
  }
  if (request.headers.authorization !== `Bearer ${token}`) {
    response.writeHead(401).end();
    request.resume();
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const bytes = Buffer.concat(chunks);
    const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes;
    const answer = append(body.toString('utf8'));
    response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`floor listening on http://127.0.0.1:${port}`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
});
