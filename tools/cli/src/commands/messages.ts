import type { Command } from 'commander';
import type { MessageRecord as StoredMessage } from '@smsgw/store';
import { formatFields, formatTable } from '../table';
import { contextOf, isoTime, pathOf, type CliIo } from './context';

/** GET /v1/messages/:id answers the state store's record as it is (apps/admin routes/messages.ts). */
type MessageRecord = StoredMessage;

interface BySmsc {
  correlation: { id: string; part: number; parts: number };
  message: MessageRecord;
}

/** A message as support reads it: the record, its transitions in time order, its parts. */
export function describeMessage(m: MessageRecord): string {
  const head = formatFields([
    ['id', m.id],
    ['client', m.sys],
    ['client id', m.cid],
    ['from', m.src],
    ['to', m.dst],
    ['state', m.state],
    ['smsc', m.smsc],
    ['pool', m.pool],
    ['parts', `${m.parts} (${m.segments} segments)`],
    ['receipt', m.rd ? `requested (registered_delivery ${m.rd})` : 'not requested'],
    ['error', m.err],
    ['created', isoTime(m.createdAt)],
    ['updated', isoTime(m.updatedAt)],
  ]);
  const transitions = Object.entries(m.times)
    .sort(([, a], [, b]) => a - b)
    .map(([state, at]) => [state, isoTime(at)]);
  // Parts counted from 1 as people (and UDH sequence numbers) do; the API's are 0-based indexes.
  const parts = Array.from({ length: m.parts }, (_, i) => [i + 1, m.partStates[i] ?? 'not final', m.smscIds[i] ?? null]);
  return [head, formatTable(['TRANSITION', 'AT'], transitions), formatTable(['PART', 'STATE', 'SMSC ID'], parts)].join('\n\n');
}

interface Search {
  destination: string;
  from: number;
  to: number;
  messages: MessageRecord[];
}

export function registerMessages(program: Command, io: CliIo): void {
  program
    .command('messages <client> <destination>')
    .description("a client's messages to a destination, newest first (destination as the client writes it: +44…, 0044…, national)")
    .option('--from <time>', 'from (ISO 8601 or ms since epoch; default: a day before --to)')
    .option('--to <time>', 'until (ISO 8601 or ms since epoch; default: now)')
    .option('--limit <n>', 'at most this many (1-500)', '50')
    .action(async (client: string, destination: string, opts: { from?: string; to?: string; limit: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const query = new URLSearchParams({ client, destination, limit: opts.limit, ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) });
      const body = await ctx.api().get<Search>(`/v1/messages?${query}`);
      ctx.print(body, (b) => {
        const head = `${b.messages.length} message${b.messages.length === 1 ? '' : 's'} of ${client} to ${b.destination} from ${isoTime(b.from)} to ${isoTime(b.to)}`;
        if (!b.messages.length) return head;
        const rows = b.messages.map((m) => [m.id, isoTime(m.createdAt), m.state, m.smsc ?? '-', m.parts, m.src]);
        return `${head}\n\n${formatTable(['ID', 'CREATED', 'STATE', 'SMSC', 'PARTS', 'FROM'], rows)}`;
      });
    });


  program
    .command('message <id>')
    .description('the state-store record of a message (its UUID, the message_id clients got): state, transitions, parts')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      ctx.print(await ctx.api().get<MessageRecord>(pathOf('v1', 'messages', id)), describeMessage);
    });

  program
    .command('cancel <id>')
    .description('cancel a message (operator): never sent if not yet handed to an SMSC, else cancelled by its SMSC; it ends DELETED with its receipt')
    .option('--client <systemId>', 'its client, for a message still queued before the policy-worker (no record yet)')
    .action(async (id: string, opts: { client?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().post<{ id: string; client: string; cancelledBy: 'gateway' | 'smsc' }>(`${pathOf('v1', 'messages', id)}/cancel`, opts.client ? { client: opts.client } : {});
      ctx.print(body, (b) => `${b.id} (${b.client}): cancelled ${b.cancelledBy === 'smsc' ? 'by its SMSC' : 'before it was sent'}`);
    });

  program
    .command('smsc <smsc> <smscMsgId>')
    .description("the message an SMSC message id belongs to, as in a receipt or the SMSC's report (tried in that SMSC's id formats)")
    .action(async (smsc: string, smscMsgId: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<BySmsc>(pathOf('v1', 'messages', 'by-smsc', smsc, smscMsgId));
      ctx.print(body, (b) => `SMSC id ${smscMsgId} at ${smsc} is part ${b.correlation.part + 1} of ${b.correlation.parts} of message ${b.correlation.id}\n\n${describeMessage(b.message)}`);
    });
}
