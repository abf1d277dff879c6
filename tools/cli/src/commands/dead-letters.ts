import { InvalidArgumentError, type Command } from 'commander';
import { formatTable } from '../table';
import { contextOf, pathOf, type CliIo } from './context';

interface DeadLetters {
  entries: Array<{ entryId: string; stream: string | null; id: string | null; deliveries: number | null; replayable: boolean; data?: unknown }>;
  next: string | null;
}

interface Replayed {
  entryId: string;
  stream: string;
  id: string;
}

/** --count: 1 to 1000, as the API takes it (checked here too, to say so before asking). */
function parseCount(v: string): number {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
}

export function registerDeadLetters(program: Command, io: CliIo): void {
  const dead = program
    .command('dead-letters')
    .description('entries of the dead-letter stream, oldest first (their content, message text and numbers, only with --json and from operator up)')
    .option('--count <n>', 'how many (1-1000)', parseCount, 100)
    .option('--after <entryId>', 'continue after this entry (the "next" of the previous page)')
    .action(async (opts: { count: number; after?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const query = new URLSearchParams({ count: String(opts.count), ...(opts.after ? { after: opts.after } : {}) });
      const body = await ctx.api().get<DeadLetters>(`/v1/dead-letters?${query}`);
      ctx.print(body, (b) => {
        if (!b.entries.length) return 'no dead letters';
        const table = formatTable(
          ['ENTRY', 'STREAM', 'STREAM ID', 'DELIVERIES', 'REPLAYABLE'],
          b.entries.map((e) => [e.entryId, e.stream, e.id, e.deliveries, e.replayable ? 'yes' : 'no']),
        );
        return b.next ? `${table}\n\nmore: smsgw dead-letters --after ${b.next}` : table;
      });
    });

  dead
    .command('replay <entryId>')
    .description('put a dead letter back on its stream (once) and remove it from the dead-letter stream; operator role')
    .action(async (entryId: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().post<Replayed>(`/v1/dead-letters${pathOf(entryId)}/replay`);
      ctx.print(body, (b) => `replayed ${b.entryId}: back on ${b.stream} as ${b.id}`);
    });
}
