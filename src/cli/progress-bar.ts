/**
 * A progress bar for long jobs (verify, replay) when a person watches: only on a TTY, and never
 * with `--json`, so that machines read clean output.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../log/operation-log.ts';

/** A `Progress` callback and the function that ends the bar. */
export interface ProgressDisplay {
  readonly progress: Progress | undefined;
  stop(): void;
}

/** A bar titled `label` on a TTY; nothing elsewhere. */
export const progressDisplay = (label: string, enabled: boolean): ProgressDisplay => {
  if (!enabled || process.stdout.isTTY !== true) return { progress: undefined, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% {value}/{total}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    progress: (done, total) => {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
};
