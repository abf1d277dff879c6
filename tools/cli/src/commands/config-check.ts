import type { Command } from 'commander';
import { poolsOf } from '@smsgw/domain';
import type { GatewayConfig } from '@smsgw/platform';
import { CliError, contextOf, type CliIo } from './context';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** What a loaded config holds, in numbers: enough to see it is the file one meant. */
export function configSummary(config: GatewayConfig) {
  // As allRoutes (libs/platform): the global routes and each client's own, whose pools all exist.
  const routes = [...config.routes, ...config.clients.flatMap((c) => c.routes)];
  return {
    clients: config.clients.length,
    smscs: config.smscs.length,
    routes: routes.length,
    pools: [...poolsOf(routes).keys()].sort(),
    state: config.state.backend,
    redisPrefix: config.redis.prefix,
    adminTokens: config.admin.tokens.length,
  };
}

export function registerConfigCheck(program: Command, io: CliIo): void {
  const config = program.command('config').description('gateway configuration files: config check <file>, config schema, config reference');
  config
    .command('schema')
    .description('the JSON Schema of the config file, for editors (e.g. `# yaml-language-server: $schema=gateway.schema.json`)')
    .action(async () => {
      const { configJsonSchema } = await import('@smsgw/platform');
      io.stdout(JSON.stringify(configJsonSchema(), null, 2));
    });
  config
    .command('reference')
    .description('every key of the config file with its type and default, as a Markdown table')
    .option('--write <file>', "replace the table between the file's config-reference markers instead (docs/configuration.md)")
    .action(async (opts: { write?: string }) => {
      const { configReferenceMarkdown, withConfigReference } = await import('@smsgw/platform');
      if (!opts.write) return io.stdout(configReferenceMarkdown());
      const { readFile, writeFile } = await import('node:fs/promises');
      await writeFile(opts.write, withConfigReference(await readFile(opts.write, 'utf8')));
      io.stdout(`${opts.write}: config reference written`);
    });
  config
    .command('check <file>')
    .description('validate a config file as the apps load it (with this environment: ${VAR} and the env overrides); exit 1 naming the field if invalid')
    .action(async (file: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      // Loaded here, not at start: the platform library is most of the CLI's start-up time.
      const { loadConfig } = await import('@smsgw/platform');
      let config: GatewayConfig;
      try {
        config = loadConfig({ path: file, env: io.env });
      } catch (err) {
        // loadConfig's message names the file and each bad field (`→ at clients[0].password`).
        throw new CliError((err as Error).message);
      }
      const s = configSummary(config);
      ctx.print({ ok: true, file, ...s }, () =>
        [
          `ok: ${file}`,
          `${count(s.clients, 'client')}, ${count(s.smscs, 'SMSC')}, ${count(s.routes, 'route')} in ${count(s.pools.length, 'pool')} (${s.pools.join(', ')}),`,
          `state in ${s.state}, Redis prefix ${s.redisPrefix}, ${count(s.adminTokens, 'admin token')}`,
        ].join(' '),
      );
    });
}
