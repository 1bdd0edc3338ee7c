/**
 * The server's structured log (pino): one JSON line per event on stdout, at the level of
 * `--log-level` or `LOG_LEVEL` (default `info`).
 */
import { type Logger, pino } from 'pino';

/** The logger of a running server. */
export const serverLogger = (level: string | undefined): Logger =>
  pino({
    name: 'immune-sync',
    level: level ?? process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
