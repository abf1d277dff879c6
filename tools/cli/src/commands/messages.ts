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

export function registerMessages(program: Command, io: CliIo): void {
  program
    .command('message <id>')
    .description('the state-store record of a message (its UUID, the message_id clients got): state, transitions, parts')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      ctx.print(await ctx.api().get<MessageRecord>(pathOf('v1', 'messages', id)), describeMessage);
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
