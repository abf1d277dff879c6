import type { Command } from 'commander';
import { formatTable } from '../table';
import { contextOf, pathOf, type CliIo } from './context';

interface Links {
  links: Array<{
    smsc: string;
    mode: string;
    setBy: string | null;
    throughput: number;
    effectiveRate: number | null;
    bound: number;
    senders: Array<{ instance: string; mode: string; bound: number; sessions: number; inFlight: number; lastHeardAt: number | null; sendRate: number }>;
  }>;
}

interface LinkSet {
  smsc: string;
  mode: string;
  by: string;
}

/** The limiter's rate now over the configured throughput, segments/s ("-/-" without a limit). */
const rateOf = (l: Links['links'][number]) => (l.throughput > 0 ? `${l.effectiveRate ?? '?'}/${l.throughput}` : '-/-');

const ago = (at: number | null) => (at === null ? '-' : `${Math.max(0, Math.round((Date.now() - at) / 1000))}s ago`);

export function registerLinks(program: Command, io: CliIo): void {
  program
    .command('links')
    .description("every SMSC link: its mode, and per sender the sessions bound, requests in flight, when the SMSC was last heard and the submits it answered per second; the link limiter's rate now over the configured throughput")
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<Links>('/v1/links');
      ctx.print(body, (b) =>
        formatTable(
          ['SMSC', 'MODE', 'SET BY', 'SENDER', 'SENDER MODE', 'BOUND', 'IN FLIGHT', 'LAST HEARD', 'SENT/S', 'RATE/LIMIT'],
          b.links.flatMap((l) =>
            l.senders.length
              ? l.senders.map((s) => [l.smsc, l.mode, l.setBy ?? '-', s.instance, s.mode, `${s.bound}/${s.sessions}`, s.inFlight, ago(s.lastHeardAt), s.sendRate, rateOf(l)])
              : [[l.smsc, l.mode, l.setBy ?? '-', '(no sender)', '-', '0', 0, '-', 0, rateOf(l)]],
          ),
        ),
      );
    });

  const link = program.command('link').description('steer one SMSC link (operator role); every sender obeys within a second');
  const verbs: Array<[string, string]> = [
    ['drain', 'finish what is in flight, send nothing more, then unbind until resumed'],
    ['suspend', 'send nothing more; sessions stay bound (receipts keep coming)'],
    ['resume', 'send again (a drained link binds again)'],
  ];
  for (const [verb, what] of verbs) {
    link
      .command(`${verb} <smsc>`)
      .description(what)
      .action(async (smsc: string, _opts, cmd: Command) => {
        const ctx = contextOf(cmd, io);
        const body = await ctx.api().post<LinkSet>(`/v1/links${pathOf(smsc)}/${verb}`);
        ctx.print(body, (b) => `${b.smsc}: ${b.mode} (by ${b.by})`);
      });
  }
}
