/** Runs the command line (`src/cli/main.ts`, or the `bin/immune-sync.js` shim) as a child process. */
import { execFile } from 'node:child_process';
import { REPO_ROOT } from './server-process.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <entry> ...args` from the repository's root, with a 60 s ceiling. */
export const runCli = (
  args: readonly string[],
  entry: readonly string[] = ['--import', 'tsx', 'src/cli/main.ts'],
): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [...entry, ...args],
      { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });

/** The JSON a `--json` command printed; fails with its output when it is not JSON. */
export const jsonOutput = (result: CliResult): unknown => {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
};
