/**
 * The command line, `immune-sync`: `serve`, and the commands that work on a database directly
 * (`history`, `conflicts`, `resolve`, `status`, `verify`, `replay`).
 */
import { Command } from 'commander';
import { adminCommands } from './admin-commands.ts';
import { appwriteCommand } from './appwrite-commands.ts';
import { auditCommands } from './audit-commands.ts';
import { fail } from './cli-output.ts';
import { serveCommand } from './serve-command.ts';

const program = new Command('immune-sync')
  .description('offline-first, event-sourced sync for immunization records')
  .showHelpAfterError();

program.addCommand(serveCommand());
for (const command of [...auditCommands(), ...adminCommands()]) program.addCommand(command);
program.addCommand(appwriteCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
