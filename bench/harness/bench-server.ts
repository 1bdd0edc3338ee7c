/**
 * The real server as a child process for benchmarks (`immune-sync serve --port 0`), on an SQLite
 * file or a Postgres schema, on 127.0.0.1 only; ready once it prints its URL. Its node runs with
 * the flags `npm start` gives it (`serverNodeFlags`). Its peak resident memory is read from /proc
 * before it stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The node flags of `npm start` (package.json's `start`: the words between `node` and
 * `--import`), so that a benchmark runs the server as its users start it.
 */
export const serverNodeFlags = (startScript: string): readonly string[] => {
  const words = startScript.trim().split(/\s+/);
  const end = words.indexOf('--import');
  if (words[0] !== 'node' || end < 0) {
    throw new Error(`npm start is not "node <flags> --import tsx ...": ${startScript}`);
  }
  return words.slice(1, end);
};

const startScript = (): string => {
  const manifest: unknown = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8'));
  const scripts: unknown =
    typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'scripts') : {};
  const start: unknown =
    typeof scripts === 'object' && scripts !== null ? Reflect.get(scripts, 'start') : undefined;
  if (typeof start !== 'string') throw new Error('package.json has no start script');
  return start;
};

/** Where the server keeps its log. */
export type BenchStore =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/** A running server. */
export interface BenchServer {
  readonly url: string;
  readonly pid: number;
  /** The server's peak resident set so far, bytes (Linux; 0 elsewhere). */
  peakRss(): Promise<number>;
  /**
   * The server's peak anonymous resident memory (its heaps; not the pages of files it maps, such
   * as the SQLite log's), bytes, sampled every `ANON_SAMPLE_MS` (Linux; 0 elsewhere).
   */
  peakAnonRss(): number;
  /** The CPU seconds the server has used so far, every thread of it (Linux; 0 elsewhere). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const storeArgs = (store: BenchStore): readonly string[] =>
  store.kind === 'sqlite'
    ? ['--db', store.path]
    : ['--postgres', store.url, '--schema', store.schema];

/** A process's peak resident set (VmHWM), bytes. */
export const peakRssOf = async (pid: number): Promise<number> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
};

/** The anonymous resident memory (`RssAnon`) a `/proc/<pid>/status` text gives, bytes (0 without). */
export const anonRssOf = (status: string): number => {
  const kb = /RssAnon:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
};

/** How often the server's anonymous resident memory is sampled for its peak. */
const ANON_SAMPLE_MS = 100;

/** Clock ticks a second of `/proc/<pid>/stat`'s times (`getconf CLK_TCK`: 100 on Linux). */
const CLOCK_TICKS = 100;

/** A process's CPU time so far, user and system, every thread of it, seconds (Linux; 0 elsewhere). */
export const cpuSecondsOf = (pid: number): number => {
  try {
    // Read synchronously, so that a benchmark can note it at the very moment something ends.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
};

/** Starts the real server; rejects with its output if it exits or stays silent for 60 s. */
export const startBenchServer = (store: BenchStore, principals: string): Promise<BenchServer> =>
  startServerProcess(
    [
      // BENCH_SERVER_ENTRY: a bundled server (esbuild of src/cli/main.ts) instead of the
      // sources under tsx, so that a profile names its functions.
      ...(process.env.BENCH_SERVER_ENTRY === undefined
        ? ['--import', 'tsx', 'src/cli/main.ts']
        : [process.env.BENCH_SERVER_ENTRY]),
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--principals',
      principals,
      '--log-level',
      'warn',
      ...storeArgs(store),
    ],
    /immune-sync listening on (http:\/\/\S+)/,
  );

/**
 * Starts `node <npm start's flags> <args>` in the repository; ready once its output matches
 * `listening` (whose first group is the URL). Rejects with its output if it exits first or stays
 * silent for 60 s.
 */
export const startServerProcess = (
  args: readonly string[],
  listening: RegExp,
): Promise<BenchServer> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [
        ...serverNodeFlags(startScript()),
        // BENCH_SERVER_NODE_ARGS: extra flags for the server's node, e.g. `--cpu-prof`.
        ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output: string[] = [];
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within 60 s:\n${output.join('')}`));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}):\n${output.join('')}`));
    });
    const watch = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      const url = listening.exec(output.join(''))?.[1];
      if (url === undefined || child.pid === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', watch);
      const pid = child.pid;
      // The kernel keeps no peak of RssAnon: it is sampled until the server exits.
      let peakAnon = 0;
      const sampleAnon = () => {
        try {
          peakAnon = Math.max(peakAnon, anonRssOf(readFileSync(`/proc/${pid}/status`, 'utf8')));
        } catch {
          // Not Linux, or the process has gone.
        }
      };
      const sampler = setInterval(sampleAnon, ANON_SAMPLE_MS);
      sampler.unref();
      child.once('exit', () => clearInterval(sampler));
      resolve({
        url,
        pid,
        peakRss: () => peakRssOf(pid),
        peakAnonRss: () => {
          sampleAnon();
          return peakAnon;
        },
        cpuSeconds: () => cpuSecondsOf(pid),
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', watch);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  });
