import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { parse as parseYaml, stringify } from 'yaml';
import { formatFields, formatTable } from '../table';
import { CliError, contextOf, isoTime, type CliIo } from './context';

interface PolicyShown {
  source: 'file' | 'redis';
  version: number;
  by: string | null;
  at: number | null;
  rollbackOf?: number;
  policy: unknown;
  routes: Array<{ client: string | null; prefix: string; pool: string; smscs: string[]; backup: string[] }>;
  workers: Array<{ instance: string; version: number; at: number; refused?: number; error?: string; stale: boolean; current: boolean }>;
}

interface PolicyVersion {
  version: number;
  by: string;
  at: number;
  rollbackOf?: number;
}

interface RouteTest {
  normalisedDestination: string;
  policyVersion: number;
  stages: Array<{ stage: string; verdict: string; reason?: string; status?: number }>;
  allowed: boolean;
  pool: string | null;
  smsc: string | null;
  smscs: string[];
  backup?: string[];
  encoding: string;
  smscDataCoding: number;
  segmentation: string;
  segments: number;
  bytes: number;
}

const whole = (what: string, min: number) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new InvalidArgumentError(`${what}: a whole number from ${min}`);
  return Number(v);
};

/** A version as one line: who set it, when, and what it rolled back to. */
const origin = (v: { by: string | null; at: number | null; rollbackOf?: number }) =>
  `by ${v.by} at ${isoTime(v.at ?? undefined)}${v.rollbackOf !== undefined ? `, a rollback to version ${v.rollbackOf}` : ''}`;

/**
 * The rules in force as a YAML file `policy set --file` takes back: where they come from, the
 * routes and what each policy-worker applies as comments above them.
 */
function showPolicy(b: PolicyShown): string {
  const head = b.source === 'redis' ? `# policy version ${b.version}, set ${origin(b)}` : '# the config file\'s policy (no version set in Redis)';
  const routes = b.routes.map((r) => `#   ${r.prefix || '(any)'} → pool ${r.pool}: ${r.smscs.join(', ')}${r.backup.length ? ` (backup ${r.backup.join(', ')})` : ''}${r.client ? ` [${r.client} only]` : ''}`);
  const workers = b.workers.map((w) => `#   ${w.instance}: version ${w.version}${w.current ? '' : ' (not the one in force)'}${w.stale ? ', silent since ' + isoTime(w.at) : ''}${w.refused ? `, refused ${w.refused}: ${w.error}` : ''}`);
  return [head, '# routes:', ...routes, '# policy-workers:', ...(workers.length ? workers : ['#   (none reported)']), stringify(b.policy).trimEnd()].join('\n');
}

export function registerPolicy(program: Command, io: CliIo): void {
  const policy = program.command('policy').description("the MCP's rules: show them, set a new version (admin role), the versions kept, rollback (admin role)");
  policy
    .command('show')
    .description('the rules in force as YAML (policy set --file takes it back), with the routes and each policy-worker\'s version as comments')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      ctx.print(await ctx.api().get<PolicyShown>('/v1/policy'), showPolicy);
    });

  policy
    .command('set')
    .description('publish a YAML (or JSON) file of the policy section as a new version; every policy-worker applies it within a second')
    .requiredOption('--file <path>', 'the policy section (a top-level `policy:` key is taken off)')
    .option('--expect <version>', 'refuse if the version in force is not this one (0: none set yet): someone else changed it', whole('--expect', 0))
    .action(async (opts: { file: string; expect?: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      let doc: unknown;
      try {
        doc = parseYaml(await readFile(opts.file, 'utf8'));
      } catch (err) {
        throw new CliError(`${opts.file}: ${(err as Error).message}`);
      }
      if (doc && typeof doc === 'object' && !Array.isArray(doc) && Object.keys(doc).length === 1 && 'policy' in doc) doc = (doc as { policy: unknown }).policy;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${opts.file}: not a mapping of policy settings`);
      const body = await ctx.api().put<{ version: number }>('/v1/policy', { policy: doc, ...(opts.expect !== undefined ? { expectVersion: opts.expect } : {}) });
      ctx.print(body, (b) => `policy version ${b.version} set`);
    });

  policy
    .command('history')
    .description('the version in force and the ones kept before it, newest first')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().get<{ current: number; versions: PolicyVersion[] }>('/v1/policy/history');
      ctx.print(body, (b) =>
        b.versions.length
          ? formatTable(['VERSION', 'BY', 'AT', 'ROLLBACK OF', 'IN FORCE'], b.versions.map((v) => [v.version, v.by, isoTime(v.at), v.rollbackOf, v.version === b.current ? 'yes' : undefined]))
          : "no version set: the config file's policy is in force",
      );
    });

  policy
    .command('rollback [version]')
    .description('publish the version before the one in force (or the one given) again, as a new version')
    .action(async (version: string | undefined, _opts, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const to = version === undefined ? undefined : whole('version', 1)(version);
      const body = await ctx.api().post<{ version: number; rollbackOf: number }>('/v1/policy/rollback', to === undefined ? {} : { version: to });
      ctx.print(body, (b) => `policy version ${b.version} set: the rules of version ${b.rollbackOf}`);
    });

  program
    .command('route')
    .description('routes and policy, tried out')
    .command('test <client> <destination> <text>')
    .description("dry run: each MCP stage's verdict under the rules in force (nothing counted or sent), the pool and SMSC, the encoding and segments")
    .option('--source <address>', 'the sender address (registration and blocked-sender checks)')
    .option('--data-coding <dc>', 'the data_coding the client submits with (default: 0 when the text is GSM, else 8)', whole('--data-coding', 0))
    .action(async (client: string, destination: string, text: string, opts: { source?: string; dataCoding?: number }, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      const body = await ctx.api().post<RouteTest>('/v1/route-test', {
        client, destination, text, ...(opts.source !== undefined ? { source: opts.source } : {}), ...(opts.dataCoding !== undefined ? { dataCoding: opts.dataCoding } : {}),
      });
      ctx.print(body, (b) =>
        [
          formatTable(['STAGE', 'VERDICT', 'REASON', 'CODE'], b.stages.map((s) => [s.stage, s.verdict, s.reason, s.status])),
          '',
          formatFields([
            ['allowed', b.allowed ? 'yes' : 'no'],
            ['destination', b.normalisedDestination],
            ['pool', b.pool],
            ['smsc', b.smscs.length > 1 ? `${b.smsc} (of ${b.smscs.join(', ')})` : b.smsc],
            ['backup', b.backup?.join(', ')],
            ['encoding', `${b.encoding} (data_coding ${b.smscDataCoding}, ${b.segmentation})`],
            ['segments', b.segments],
            ['bytes', b.bytes],
            ['policy', b.policyVersion ? `version ${b.policyVersion}` : 'the config file\'s'],
          ]),
        ].join('\n'),
      );
    });
}
