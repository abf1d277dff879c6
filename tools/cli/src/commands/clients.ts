import type { Command } from 'commander';
import { Option } from 'commander';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { formatFields, formatTable } from '../table';
import { CliError, contextOf, isoTime, pathOf, type CliIo } from './context';

interface ClientItem {
  systemId: string;
  source: 'config' | 'runtime';
  suspended: boolean;
  binds: Array<{ instance: string; session: string; mode: string; address: string; since: number }>;
  submitRate: number;
  backlog: number;
  receiptBacklog: number;
  config: Record<string, unknown>;
}

const state = (c: ClientItem) => (c.suspended ? 'suspended' : 'active');

/** The body of `client set`: a client as in the config file; a systemId in it must be the one named. */
async function clientBody(id: string, opts: { file?: string; json?: string }): Promise<Record<string, unknown>> {
  if ((opts.file === undefined) === (opts.json === undefined)) throw new CliError("client set: give exactly one of --file <client.yaml> or --json '<object>'", 2);
  let parsed: unknown;
  if (opts.file !== undefined) {
    const { readFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(opts.file, 'utf8');
    } catch (err) {
      throw new CliError(`--file: cannot read ${opts.file}: ${(err as Error).message}`, 2);
    }
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new CliError(`--file: ${opts.file} is not YAML: ${(err as Error).message}`, 2);
    }
  } else {
    try {
      parsed = JSON.parse(opts.json!);
    } catch (err) {
      throw new CliError(`--json: not JSON: ${(err as Error).message}`, 2);
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new CliError('the client must be an object (its settings as in clients[] of the config file)', 2);
  const { systemId, ...body } = parsed as Record<string, unknown>;
  if (systemId !== undefined && systemId !== id) throw new CliError(`the client's systemId "${String(systemId)}" is not "${id}"`, 2);
  return body;
}

export function registerClients(program: Command, io: CliIo): void {
  program
    .command('clients')
    .description('every client (config and run-time): state, binds over every ingress, submit rate, backlog, receipts waiting')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<{ clients: ClientItem[] }>('/v1/clients');
      ctx.print(body, (b) =>
        formatTable(
          ['CLIENT', 'SOURCE', 'STATE', 'BINDS', 'SUBMIT/S', 'BACKLOG', 'RECEIPTS'],
          b.clients.map((c) => [c.systemId, c.source, state(c), c.binds.length, c.submitRate, c.backlog, c.receiptBacklog]),
        ),
      );
    });

  const client = program.command('client').description('one client: show it; set and remove (admin role), suspend, resume and disconnect (operator role)');
  client
    .command('show <systemId>')
    .description('its state, each bind (ingress instance, mode, address, since) and its settings')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<ClientItem>(`/v1/clients${pathOf(id)}`);
      ctx.print(body, (c) =>
        [
          formatFields([['client', c.systemId], ['source', c.source], ['state', state(c)], ['submit/s', c.submitRate], ['backlog', c.backlog], ['receipts', c.receiptBacklog]]),
          '',
          c.binds.length
            ? formatTable(['INSTANCE', 'SESSION', 'MODE', 'ADDRESS', 'SINCE'], c.binds.map((b) => [b.instance, b.session, b.mode, b.address, isoTime(b.since)]))
            : '(not bound)',
          '',
          toYaml(c.config).trimEnd(),
        ].join('\n'),
      );
    });

  client
    .command('set <systemId> [object]')
    .usage("<systemId> (--file <client.yaml> | --json '<object>')")
    .description('add the client or replace its settings (YAML or JSON as in clients[], systemId optional); password is stored hashed, and kept when left out')
    .addOption(new Option('--file <path>', 'a YAML (or JSON) file of the client'))
    .action(async (id: string, object: string | undefined, opts: { file?: string }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      // `--json '{…}'`: --json is the global flag (commander takes it anywhere on the line), so
      // the object arrives as the argument after it; with --json the answer is JSON too.
      if (object !== undefined && !ctx.json) throw new CliError(`client set: unexpected argument ${JSON.stringify(object)} (the object goes after --json)`, 2);
      const body = await clientBody(id, { file: opts.file, json: object });
      const res = await ctx.api().put<{ client: Record<string, unknown>; version: number }>(`/v1/clients${pathOf(id)}`, body);
      ctx.print(res, (r) => `${id}: set (registry version ${r.version}); every ingress follows within a second`);
    });

  client
    .command('remove <systemId>')
    .description('remove a run-time client (its binds are unbound, unless a config client of that id is in force again)')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const res = await ctx.api().delete<{ systemId: string; restored: boolean; version: number }>(`/v1/clients${pathOf(id)}`);
      ctx.print(res, (r) => `${r.systemId}: removed${r.restored ? '; the config file\'s client is in force again' : ''}`);
    });

  const verbs: Array<[string, string]> = [
    ['suspend', 'unbind its sessions and refuse its binds until resumed'],
    ['resume', 'let it bind again'],
    ['disconnect', 'unbind its sessions now, once (it may bind again)'],
  ];
  for (const [verb, what] of verbs) {
    client
      .command(`${verb} <systemId>`)
      .description(what)
      .action(async (id: string, _opts, cmd: Command) => {
        const ctx = contextOf(cmd, io);
        const res = await ctx.api().post<{ systemId: string; suspended: boolean }>(`/v1/clients${pathOf(id)}/${verb}`);
        ctx.print(res, (r) => `${r.systemId}: ${verb === 'disconnect' ? 'disconnected' : r.suspended ? 'suspended' : 'resumed'}`);
      });
  }
}
