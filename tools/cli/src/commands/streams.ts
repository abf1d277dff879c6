import type { Command } from 'commander';
import { formatTable, type Cell } from '../table';
import { contextOf, type CliIo } from './context';

interface Streams {
  streams: Array<{
    stream: string;
    length: number;
    groups: Array<{ name: string; consumers: number; pending: number; lag: number | null }>;
  }>;
}

/** One row per consumer group (a stream without groups — `dead`, or one nobody reads yet — one row). */
export function streamRows(body: Streams): Cell[][] {
  return body.streams.flatMap((s) =>
    s.groups.length ? s.groups.map((g) => [s.stream, s.length, g.name, g.pending, g.lag, g.consumers]) : [[s.stream, s.length, null, null, null, null]],
  );
}

export function registerStreams(program: Command, io: CliIo): void {
  program
    .command('streams')
    .description('length, and per consumer group pending, lag and consumers, of every stream (is a stage behind? is a client not collecting receipts?)')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<Streams>('/v1/streams');
      // lag "-" where Redis cannot tell (entries deleted from the stream): pending still holds.
      ctx.print(body, (b) => formatTable(['STREAM', 'LENGTH', 'GROUP', 'PENDING', 'LAG', 'CONSUMERS'], streamRows(b)));
    });
}
