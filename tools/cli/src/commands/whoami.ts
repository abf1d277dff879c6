import type { Command } from 'commander';
import { formatFields } from '../table';
import { contextOf, type CliIo } from './context';

interface Whoami {
  name: string;
  role: string;
}

export function registerWhoami(program: Command, io: CliIo): void {
  program
    .command('whoami')
    .description('the token in use: its name and role (checks --url and the token)')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const me = await ctx.api().get<Whoami>('/v1/whoami');
      ctx.print(me, (b) => formatFields([['name', b.name], ['role', b.role]]));
    });
}
