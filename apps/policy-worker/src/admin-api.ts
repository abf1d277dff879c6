import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { z } from 'zod';
import { normaliseListEntry, POLICY_REASONS } from '@smsgw/domain';
import { listenHttp, type Logger } from '@smsgw/platform';
import type { Redis } from '@smsgw/redis';
import { GLOBAL_LISTS, LIST_NAMES, NUMBER_LISTS, type ListName, type PolicyKeys } from './policy-keys';

/**
 * Admin HTTP API of the MCP lists (JSON, bearer token). Lists live in Redis, so a change is
 * seen by every policy-worker instance with the next read batch — no restart, no reload.
 *
 *   GET    /v1/rules                           active policy settings and the reason codes
 *   GET    /v1/lists                           list names and which may be global
 *   GET    /v1/lists/:list?client=&cursor=&count=   one page of entries (SSCAN)
 *   POST   /v1/lists/:list   {client?, entries}      add
 *   DELETE /v1/lists/:list   {client?, entries}      remove
 *   POST   /v1/lists/:list/import?client=      text/csv body: first column of each line
 */
const MAX_BODY = 64 * 1024 * 1024;
const CHUNK = 10_000;

const NUMBER_ENTRY = /^(\d{1,20}\*?|\*)$/;
const SENDER_ENTRY = /^([A-Z0-9 ._+&-]{1,20}\*?|\*)$/;

const client = z.string().min(1).max(15).optional();
const changeBody = z.object({ client, entries: z.array(z.string().min(1).max(32)).min(1).max(100_000) });
const pageQuery = z.object({
  client,
  cursor: z.string().regex(/^\d+$/).default('0'),
  count: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface AdminApiDeps {
  redis: Redis;
  keys: PolicyKeys;
  token: string;
  /** The active settings to show (read at request time: a reload is visible at once). */
  activeRules: () => unknown;
  logger: Logger;
}

export interface AdminApi {
  readonly port: number;
  close(): Promise<void>;
}

function validEntry(list: ListName, raw: string): string | null {
  const e = normaliseListEntry(raw);
  return (NUMBER_LISTS.has(list) ? NUMBER_ENTRY : SENDER_ENTRY).test(e) ? e : null;
}

/** First column of each CSV line; a header line or an invalid cell is counted, not added. */
export function parseCsvEntries(list: ListName, text: string): { entries: string[]; invalid: number } {
  const entries: string[] = [];
  let invalid = 0;
  for (const line of text.split(/\r?\n/)) {
    const cell = line.split(/[,;\t]/)[0]!.trim().replace(/^"(.*)"$/, '$1');
    if (!cell) continue;
    const e = validEntry(list, cell);
    if (e) entries.push(e);
    else invalid++;
  }
  return { entries, invalid };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `body over ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function startAdminApi(opts: { host: string; port: number }, deps: AdminApiDeps): Promise<AdminApi> {
  const { redis, keys } = deps;
  const expected = digest(`Bearer ${deps.token}`);

  const listKey = (list: ListName, sys: string | undefined) => {
    if (sys === undefined && !GLOBAL_LISTS.has(list)) throw new HttpError(400, `list ${list} is per client: give client`);
    return keys.list(list, sys);
  };

  const addAll = async (key: string, entries: string[]) => {
    let added = 0;
    for (let i = 0; i < entries.length; i += CHUNK) added += await redis.sadd(key, ...entries.slice(i, i + CHUNK));
    return added;
  };

  const handle = async (req: IncomingMessage, url: URL): Promise<unknown> => {
    // Hashing both sides gives equal lengths, so the comparison time says nothing about the token.
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) throw new HttpError(401, 'bearer token required');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v1') throw new HttpError(404, 'not found');
    if (parts[1] === 'rules' && parts.length === 2 && req.method === 'GET') {
      return { policy: deps.activeRules(), reasons: POLICY_REASONS };
    }
    if (parts[1] !== 'lists') throw new HttpError(404, 'not found');
    if (parts.length === 2 && req.method === 'GET') {
      return { lists: LIST_NAMES.map((name) => ({ name, global: GLOBAL_LISTS.has(name), numbers: NUMBER_LISTS.has(name) })) };
    }
    const list = parts[2] as ListName;
    if (!LIST_NAMES.includes(list)) throw new HttpError(404, `unknown list ${parts[2]}`);
    const query = Object.fromEntries(url.searchParams);
    if (parts.length === 4 && parts[3] === 'import' && req.method === 'POST') {
      const sys = client.parse(query.client);
      const { entries, invalid } = parseCsvEntries(list, await readBody(req));
      const added = await addAll(listKey(list, sys), entries);
      deps.logger.info({ list, systemId: sys, added, invalid }, 'policy list imported');
      return { list, client: sys, read: entries.length, added, invalid };
    }
    if (parts.length !== 3) throw new HttpError(404, 'not found');
    if (req.method === 'GET') {
      const q = pageQuery.parse(query);
      const [cursor, entries] = await redis.sscan(listKey(list, q.client), q.cursor, 'COUNT', q.count);
      return { list, client: q.client, cursor, entries, size: await redis.scard(listKey(list, q.client)) };
    }
    if (req.method === 'POST' || req.method === 'DELETE') {
      let raw: unknown;
      try {
        raw = JSON.parse(await readBody(req));
      } catch {
        throw new HttpError(400, 'body is not JSON');
      }
      const body = changeBody.parse(raw);
      const entries = body.entries.map((e) => validEntry(list, e));
      const bad = body.entries.filter((_, i) => entries[i] === null);
      if (bad.length) throw new HttpError(400, `invalid entries for ${list}: ${bad.slice(0, 10).join(', ')}`);
      const key = listKey(list, body.client);
      const ok = entries as string[];
      if (req.method === 'POST') {
        const added = await addAll(key, ok);
        deps.logger.info({ list, systemId: body.client, added }, 'policy list entries added');
        return { list, client: body.client, added };
      }
      let removed = 0;
      for (let i = 0; i < ok.length; i += CHUNK) removed += await redis.srem(key, ...ok.slice(i, i + CHUNK));
      deps.logger.info({ list, systemId: body.client, removed }, 'policy list entries removed');
      return { list, client: body.client, removed };
    }
    throw new HttpError(405, 'method not allowed');
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    handle(req, new URL(req.url ?? '/', 'http://admin'))
      .then((body) => send(200, body))
      .catch((err: unknown) => {
        if (err instanceof HttpError) return send(err.status, { error: err.message });
        if (err instanceof z.ZodError) return send(400, { error: z.prettifyError(err) });
        deps.logger.error({ err }, 'admin API request failed');
        send(500, { error: 'internal error' });
      });
  });
  return listenHttp(server, opts.port, opts.host);
}
