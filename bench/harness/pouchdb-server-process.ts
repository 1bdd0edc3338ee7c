/**
 * pouchdb-server (the `pouchdb-server` devDependency, CouchDB's HTTP API on PouchDB with
 * LevelDB files) as a child process on 127.0.0.1, for the peer benchmark; ready once `GET /`
 * answers.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSecondsOf } from './bench-server.ts';
import { freePort } from './free-port.ts';

const BIN = fileURLToPath(new URL('../../node_modules/.bin/pouchdb-server', import.meta.url));

/** A running pouchdb-server. */
export interface PouchServer {
  readonly url: string;
  /** The CPU seconds the server has used so far, every thread of it (Linux; 0 elsewhere). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts pouchdb-server with its files in `dir`. */
export const startPouchServer = async (dir: string): Promise<PouchServer> => {
  const port = await freePort();
  const child = spawn(
    BIN,
    ['--host', '127.0.0.1', '--port', String(port), '--dir', dir, '--no-stdout-logs'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error('pouchdb-server exited at start');
    try {
      const answer = await fetch(url);
      if (answer.ok) {
        return {
          url,
          cpuSeconds: () => (child.pid === undefined ? 0 : cpuSecondsOf(child.pid)),
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        };
      }
    } catch {
      // not listening yet
    }
    await delay(200);
  }
  child.kill('SIGKILL');
  throw new Error('pouchdb-server did not answer within 30 s');
};
