import { z } from 'zod';
import { GLOBAL_LISTS, LIST_NAMES, NUMBER_LISTS, policyKeys } from '@smsgw/mcp';
import type { AdminApp, RouteDeps } from '../admin-server';
import { AdminError, errorBodySchema } from '../errors';
import { createPolicyLists, parseCsvEntries, validEntry } from '../policy-lists';

/** A CSV import may be large (a national opt-out list): its own body limit. */
const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const client = z.string().min(1).max(15).optional();
const listParams = z.object({ list: z.enum(LIST_NAMES) });
const changeBody = z.object({ client, entries: z.array(z.string().min(1).max(32)).min(1).max(100_000) });

/**
 * The MCP's lists (senders, opt-in, blacklist, blocked senders, opt-out), global or per client
 * (the rules are in policy.ts). Changes are audited: which list, which
 * client, how many entries and (for up to 100) which.
 */
export function registerListRoutes(app: AdminApp, deps: RouteDeps): void {
  const lists = createPolicyLists(deps.redis, policyKeys(deps.config.redis.prefix));
  const sample = (entries: readonly string[]) => (entries.length <= 100 ? entries : [...entries.slice(0, 100), `… ${entries.length - 100} more`]);

  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_IMPORT_BYTES }, (_req, body, done) => done(null, body));

  app.get(
    '/v1/lists',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'The list names: which may be global, which hold numbers (the others hold sender IDs)',
        tags: ['lists'],
        response: { 200: z.object({ lists: z.array(z.object({ name: z.string(), global: z.boolean(), numbers: z.boolean() })) }) },
      },
    },
    async () => ({ lists: LIST_NAMES.map((name) => ({ name, global: GLOBAL_LISTS.has(name), numbers: NUMBER_LISTS.has(name) })) }),
  );

  app.get(
    '/v1/lists/:list',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One page of a list (SSCAN: continue with the returned cursor until it is "0") and its size',
        tags: ['lists'],
        params: listParams,
        querystring: z.object({ client, cursor: z.string().regex(/^\d+$/).default('0'), count: z.coerce.number().int().min(1).max(10_000).default(1_000) }),
        response: { 200: z.object({ list: z.string(), client: z.string().optional(), cursor: z.string(), entries: z.array(z.string()), size: z.number().int() }), 400: errorBodySchema },
      },
    },
    async (req) => ({ list: req.params.list, client: req.query.client, ...(await lists.page(req.params.list, req.query.client, req.query.cursor, req.query.count)) }),
  );

  for (const [method, verb] of [['POST', 'add'], ['DELETE', 'remove']] as const) {
    app.route({
      method,
      url: '/v1/lists/:list',
      config: { access: 'operator' },
      schema: {
        summary: verb === 'add' ? 'Add entries (numbers: digits, `*` = prefix; senders: sender IDs)' : 'Remove entries',
        tags: ['lists'],
        params: listParams,
        body: changeBody,
        response: { 200: z.object({ list: z.string(), client: z.string().optional(), changed: z.number().int() }), 400: errorBodySchema },
      },
      handler: async (req) => {
        const { list } = req.params;
        const { client: sys, entries: raw } = req.body;
        const entries = raw.map((e) => validEntry(list, e));
        const bad = raw.filter((_, i) => entries[i] === null);
        if (bad.length) throw new AdminError('invalid_request', `invalid entries for ${list}: ${bad.slice(0, 10).join(', ')}`);
        const ok = entries as string[];
        const changed = verb === 'add' ? await lists.add(list, sys, ok) : await lists.remove(list, sys, ok);
        await deps.audit(req.principal!, { action: `list.${verb}`, target: `list:${list}${sys ? `:${sys}` : ''}`, after: { entries: sample(ok), changed } });
        req.log.info({ who: req.principal!.name, list, systemId: sys, changed }, `policy list entries ${verb === 'add' ? 'added' : 'removed'}`);
        return { list, client: sys, changed };
      },
    });
  }

  app.post(
    '/v1/lists/:list/import',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Add the first column of each line of a text/csv body (a header or an invalid cell is counted, not added)',
        tags: ['lists'],
        params: listParams,
        querystring: z.object({ client }),
        response: { 200: z.object({ list: z.string(), client: z.string().optional(), read: z.number().int(), added: z.number().int(), invalid: z.number().int() }), 400: errorBodySchema },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string') throw new AdminError('invalid_request', 'send the list as a text/csv body');
      const { list } = req.params;
      const sys = req.query.client;
      const { entries, invalid } = parseCsvEntries(list, req.body);
      const added = await lists.add(list, sys, entries);
      await deps.audit(req.principal!, { action: 'list.import', target: `list:${list}${sys ? `:${sys}` : ''}`, after: { read: entries.length, added, invalid } });
      req.log.info({ who: req.principal!.name, list, systemId: sys, added, invalid }, 'policy list imported');
      return { list, client: sys, read: entries.length, added, invalid };
    },
  );
}
