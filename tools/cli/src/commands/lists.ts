import type { Command } from 'commander';
import { formatTable } from '../table';
import { contextOf, pathOf, type CliIo } from './context';

interface Page {
  list: string;
  client?: string;
  cursor: string;
  entries: string[];
  size: number;
}

interface Changed {
  list: string;
  client?: string;
  changed: number;
}

interface Imported {
  list: string;
  read: number;
  added: number;
  invalid: number;
}

const scope = (client?: string) => (client ? ` of ${client}` : '');

export function registerLists(program: Command, io: CliIo): void {
  program
    .command('lists')
    .description("the MCP's lists: which may be global, which hold numbers")
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<{ lists: Array<{ name: string; global: boolean; numbers: boolean }> }>('/v1/lists');
      ctx.print(body, (b) => formatTable(['LIST', 'GLOBAL', 'HOLDS'], b.lists.map((l) => [l.name, l.global ? 'yes' : 'per client', l.numbers ? 'numbers' : 'sender IDs'])));
    });

  const list = program.command('list').description('one list: show a page of it; add, remove and import change it (operator role)');
  list
    .command('show <name>')
    .description('one page of a list (--cursor continues) and its size')
    .option('--client <systemId>', 'the client whose list (global when absent, for blacklist and blocked-senders)')
    .option('--cursor <n>', 'where the previous page ended', '0')
    .action(async (name: string, opts: { client?: string; cursor: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const query = new URLSearchParams({ cursor: opts.cursor, ...(opts.client ? { client: opts.client } : {}) });
      const body = await ctx.api().get<Page>(`/v1/lists${pathOf(name)}?${query}`);
      ctx.print(body, (b) => [...b.entries, `(${b.size} in ${b.list}${scope(b.client)}${b.cursor === '0' ? '' : `; more: --cursor ${b.cursor}`})`].join('\n'));
    });

  for (const [verb, method] of [['add', 'post'], ['remove', 'delete']] as const) {
    list
      .command(`${verb} <name> <entries...>`)
      .description(verb === 'add' ? 'add entries (numbers: digits, 4479* a prefix; senders: IDs)' : 'remove entries')
      .option('--client <systemId>', 'the client whose list')
      .action(async (name: string, entries: string[], opts: { client?: string }, cmd: Command) => {
        const ctx = contextOf(cmd, io);
        const body = await ctx.api()[method]<Changed>(`/v1/lists${pathOf(name)}`, { ...(opts.client ? { client: opts.client } : {}), entries });
        ctx.print(body, (b) => `${b.list}${scope(b.client)}: ${b.changed} ${verb === 'add' ? 'added' : 'removed'}`);
      });
  }

  list
    .command('import <name> <file>')
    .description('add the first column of each line of a CSV file (a header or an invalid cell is counted, not added)')
    .option('--client <systemId>', 'the client whose list')
    .action(async (name: string, file: string, opts: { client?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(file, 'utf8');
      const query = opts.client ? `?${new URLSearchParams({ client: opts.client })}` : '';
      const body = await ctx.api().post<Imported>(`/v1/lists${pathOf(name)}/import${query}`, { text, type: 'text/csv' });
      ctx.print(body, (b) => `${b.list}: ${b.read} read, ${b.added} added, ${b.invalid} invalid`);
    });
}
