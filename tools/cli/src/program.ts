import { Command, CommanderError, Option } from 'commander';
import { ApiError } from './api-client';
import { CliError, type CliIo } from './commands/context';
import { registerWhoami } from './commands/whoami';
import { registerStreams } from './commands/streams';
import { registerMessages } from './commands/messages';
import { registerDeadLetters } from './commands/dead-letters';
import { registerLinks } from './commands/links';
import { registerClients } from './commands/clients';
import { registerLists } from './commands/lists';
import { registerPolicy } from './commands/policy';
import { registerSecrets } from './commands/secrets';
import { registerConfigCheck } from './commands/config-check';

const AFTER_HELP = `
The admin API (apps/admin) answers whoami, streams, message, smsc, dead-letters, links, link,
clients, client, lists, list, policy and route test. hash-password, hash-token
and config (check, schema, reference) work offline. Prefer SMSGW_TOKEN to --token: arguments show in the process list.`;

/** `smsgw` as a commander program writing through `io` (main.ts wires the process in). */
export function createProgram(io: CliIo): Command {
  const program = new Command('smsgw')
    .description('operate an smsgw gateway through its admin API')
    .addOption(new Option('--url <url>', 'admin API base URL (env SMSGW_URL, default http://127.0.0.1:9106)'))
    // No .env()/.default() here: commander would show the value in --help; the token is looked up in context.ts.
    .addOption(new Option('--token <token>', 'admin API bearer token (env SMSGW_TOKEN)'))
    .option('--json', "print the API's JSON as is instead of tables")
    .addHelpText('after', AFTER_HELP)
    .showHelpAfterError('(smsgw --help lists the commands)')
    // Set before the commands are added: each copies them (usage errors come back to runCli).
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s.replace(/\n$/, '')), writeErr: (s) => io.stderr(s.replace(/\n$/, '')) });
  registerWhoami(program, io);
  registerStreams(program, io);
  registerMessages(program, io);
  registerDeadLetters(program, io);
  registerLinks(program, io);
  registerClients(program, io);
  registerLists(program, io);
  registerPolicy(program, io);
  registerSecrets(program, io);
  registerConfigCheck(program, io);
  return program;
}

/**
 * Runs one command line; resolves to the exit code. Failures print `smsgw: <message>` on
 * stderr: the API's own message, or why it could not be reached (1); usage errors exit 2.
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed it already
    if (err instanceof ApiError || err instanceof CliError) {
      io.stderr(`smsgw: ${err.message}`);
      return err instanceof CliError ? err.code : 1;
    }
    io.stderr(`smsgw: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}
