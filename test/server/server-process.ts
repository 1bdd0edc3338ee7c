/**
 * The real server as a child process: `node --import tsx src/cli/main.ts serve --port 0 ...`,
 * started from the repository's root, ready once it prints its URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { principalsFileText } from '../functions/sync-fixtures.ts';

/** The repository's root, where `src/cli/main.ts` is. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where a server keeps its files: a fresh directory with the test principals file. */
export interface Workspace {
  readonly dir: string;
  readonly principals: string;
  readonly db: string;
  remove(): Promise<void>;
}

export const makeWorkspace = async (): Promise<Workspace> => {
  const dir = await mkdtemp(join(tmpdir(), 'immune-sync-e2e-'));
  const principals = join(dir, 'principals.json');
  await writeFile(principals, principalsFileText());
  return {
    dir,
    principals,
    db: join(dir, 'sync.db'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
};

/** A running server. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every line printed so far (stdout and stderr). */
  readonly lines: readonly string[];
  /** Resolves with the first line (printed so far or later) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
  }>;
  /** Sends SIGTERM (if still running) and waits for the exit. */
  stop(): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Arguments after `serve --port 0`: the store and the principals. */
  readonly args: readonly string[];
  readonly logLevel?: string;
}

/** Starts a server; rejects (with its output) if it exits or stays silent for 60 s. */
export const startServer = async (options: StartOptions): Promise<ServerProcess> => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', ...options.args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: options.logLevel ?? 'warn', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const complete = partial.split('\n');
      partial = complete.pop() ?? '';
      lines.push(...complete);
      for (const watcher of watchers) watcher();
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const watcher of watchers) watcher();
    });
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const waitForLine = (pattern: RegExp, timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const line = lines.find((l) => pattern.test(l));
        if (line !== undefined) return done(() => resolve(line));
        if (hasExited)
          return done(() =>
            reject(new Error(`the server exited before printing ${pattern}:\n${lines.join('\n')}`)),
          );
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`no line ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)),
          ),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        watchers.delete(check);
        settle();
      };
      watchers.add(check);
      check();
    });

  const listening = await waitForLine(/immune-sync listening on (http:\/\/\S+)/).catch(
    async (error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
  const url = /listening on (http:\/\/\S+)/.exec(listening)?.[1] ?? '';
  return {
    url,
    child,
    lines,
    waitForLine,
    exited,
    stop: async () => {
      if (!hasExited) child.kill('SIGTERM');
      return exited;
    },
  };
};
