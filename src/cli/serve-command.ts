/**
 * `immune-sync serve`: its options. The server itself (`run-server.ts`) is loaded only when the
 * command runs, so that `--help` and the other commands start fast.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { ServeOptions } from './run-server.ts';
import { withStoreOptions } from './store-options.ts';

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  }
  return port;
};

/** The `serve` command. */
export const serveCommand = (): Command =>
  withStoreOptions(
    new Command('serve')
      .description('run the sync server (PROTOCOL.md routes)')
      .option('--port <port>', 'the port to listen on (0: any free port)', parsePort, 8787)
      .option('--host <host>', 'the address to listen on', '127.0.0.1')
      .option(
        '--principals <file>',
        'the principals file (default: a demo file in the data directory)',
      )
      .option('--log-level <level>', 'the log level (trace, debug, info, warn, error)')
      .option(
        '--no-pages-ahead',
        "do not build a snapshot page's next page before it is asked for (instances behind a balancer that spreads one client's requests)",
      ),
  ).action(async (options: ServeOptions) => {
    const { runServer } = await import('./run-server.ts');
    await runServer(options);
  });
