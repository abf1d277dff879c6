import type { Command } from 'commander';
import type { CommandResult } from '@smsgw/tool-admin';
import { CliError, type CliIo } from './context';

/** tools/admin's commands return their output; failures become ours (`smsgw: …`, their exit code). */
function emit(io: CliIo, res: CommandResult): void {
  if (res.code !== 0) throw new CliError(res.stderr, res.code);
  if (res.stdout) io.stdout(res.stdout);
  if (res.stderr) io.stderr(res.stderr);
}

/**
 * Local commands: they make config values and talk to no server. tools/admin (and the platform
 * library under it, most of the start-up time) is loaded only when one of them runs.
 */
const admin = () => import('@smsgw/tool-admin');

export function registerSecrets(program: Command, io: CliIo): void {
  program
    .command('hash-password')
    .description('the clients[].passwordHash of an SMPP password: prompts twice (no echo) in a terminal, else reads stdin')
    .option('--ln <n>', 'scrypt cost, N = 2^ln')
    .action(async (opts: { ln?: string }) => {
      const args = opts.ln !== undefined ? ['--ln', opts.ln] : [];
      emit(io, await (await admin()).hashPasswordCommand(args, { prompt: io.promptPassword, stdin: io.readStdin }));
    });

  program
    .command('hash-token')
    .description('the admin.tokens[].tokenHash of an admin API token read from stdin; --new makes a random token and its hash')
    .option('--new', 'make a random token (32 bytes, hex)')
    .action(async (opts: { new?: boolean }) => {
      emit(io, await (await admin()).hashTokenCommand({ new: opts.new }, io.readStdin));
    });
}
