import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClientBacklog, createLinkControl, encodeEntry } from '@smsgw/redis';
import { TOKENS } from '@smsgw/admin/src/admin-fixture';
import { rowOf, useCliAdmin } from './cli-fixture';

const env = useCliAdmin('cli');
const { smsgw } = env;

const deadLetter = (value: { stream: string; id: string; deliveries: number; data?: unknown }) => env.ns.redis.xadd(env.fx.names.dead, '*', 'd', encodeEntry(value)) as Promise<string>;

describe('smsgw CLI: access', () => {
  it('whoami: the token from SMSGW_TOKEN, or --token, with --json the API body', async () => {
    const [human, json] = await Promise.all([smsgw(['whoami'], { token: TOKENS.viewer }), smsgw(['--json', 'whoami', '--token', TOKENS.operator])]);
    expect(human).toEqual({ code: 0, stdout: 'name  ops-viewer\nrole  viewer\n', stderr: '' });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ name: 'ops-operator', role: 'operator' });
  });

  it('a wrong or missing token: how to pass one, on stderr, exit 1, the token not repeated', async () => {
    const wrong = 'wrong-token-0123456789abcdefXYZ';
    for (const res of await Promise.all([smsgw(['whoami'], { token: wrong }), smsgw(['streams'])])) {
      expect(res).toEqual({ code: 1, stdout: '', stderr: 'smsgw: unauthorized: set SMSGW_TOKEN or --token\n' });
    }
  });

  it('nothing listening at --url: a clear message, exit 1', async () => {
    // A port that was just free: nothing listens there, the connection is refused at once
    // (not port 1: fetch refuses that one itself, as a "bad port").
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const res = await smsgw(['--url', `http://127.0.0.1:${port}`, 'whoami'], { token: TOKENS.viewer });
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(`smsgw: cannot connect to the admin API at http://127.0.0.1:${port} (connection refused): is it running? (set SMSGW_URL or --url)\n`);
  });

  it('a usage error exits 2 naming the problem, before asking the API', async () => {
    const res = await smsgw(['dead-letters', '--count', '0'], { url: 'http://127.0.0.1:1' });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--count .*'0' is invalid\. a whole number from 1 to 1000/);
  });
});

describe('smsgw CLI: streams and messages', () => {
  it('streams: a row per consumer group with length, pending, lag, consumers; --json is the API body', async () => {
    // `in` with two entries, one delivered to the policy group and not acked: pending 1, lag 1.
    await env.ns.redis.xadd(env.fx.names.in, '*', 'd', '{}');
    await env.ns.redis.xadd(env.fx.names.in, '*', 'd', '{}');
    await env.ns.redis.xgroup('CREATE', env.fx.names.in, 'policy', '0');
    await env.ns.redis.xreadgroup('GROUP', 'policy', 'c1', 'COUNT', 1, 'STREAMS', env.fx.names.in, '>');
    const [human, json] = await Promise.all([smsgw(['streams'], { token: TOKENS.viewer }), smsgw(['streams', '--json'], { token: TOKENS.viewer })]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]!.split(/\s+/)).toEqual(['STREAM', 'LENGTH', 'GROUP', 'PENDING', 'LAG', 'CONSUMERS']);
    expect(rowOf(human.stdout, env.fx.names.in)).toEqual([env.fx.names.in, '2', 'policy', '1', '1', '1']);
    // No group on the dead-letter stream: one row, the group columns "-".
    expect(rowOf(human.stdout, env.fx.names.dead)).toEqual([env.fx.names.dead, '0', '-', '-', '-', '-']);
    const api = await env.fx.app.inject({ method: 'GET', url: '/v1/streams', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(JSON.parse(json.stdout)).toEqual(api.json());
  });

  it('message <id>: record, transitions in time order, parts; smsc <smsc> <id> finds it by its receipt-form id', async () => {
    await env.fx.store.createMessage({ id: 'm-cli-1', sys: 'acme', src: 'ACME', dst: '447700900123', rd: 1, state: 'ACCEPTED', at: Date.UTC(2025, 0, 2, 3, 4, 5) });
    // The sender stores the SMSC's decimal id normalised to hex: "255" is ff.
    await env.fx.store.recordSubmit('m-cli-1', { part: 0, parts: 1, smsc: 'sim', smscMsgId: 'ff', at: Date.UTC(2025, 0, 2, 3, 4, 6) });
    const [msg, bySmsc] = await Promise.all([smsgw(['message', 'm-cli-1'], { token: TOKENS.viewer }), smsgw(['smsc', 'sim', '255'], { token: TOKENS.viewer })]);
    expect(msg.code).toBe(0);
    expect(msg.stdout).toContain('state    SUBMITTED\n');
    expect(msg.stdout).toContain('to       447700900123\n');
    expect(msg.stdout).toContain('TRANSITION  AT\nACCEPTED    2025-01-02T03:04:05.000Z\nSUBMITTED   2025-01-02T03:04:06.000Z\n');
    expect(rowOf(msg.stdout, '1')).toEqual(['1', 'not', 'final', 'ff']);
    expect(bySmsc.code).toBe(0);
    expect(bySmsc.stdout).toMatch(/^SMSC id 255 at sim is part 1 of 1 of message m-cli-1\n\nid +m-cli-1\n/);
  });

  it('messages <client> <destination>: newest first in the window; --json is the API body; a bad destination is the API\'s 400', async () => {
    for (const [i, min] of [0, 1].entries()) {
      await env.fx.store.createMessage({ id: `m-cli-s${i}`, sys: 'acme', src: 'ACME', dst: '447700900777', rd: 1, state: 'ROUTED', at: Date.UTC(2025, 0, 2, 3, min) });
    }
    const window = ['--from', '2025-01-02T00:00:00Z', '--to', '2025-01-03T00:00:00Z'];
    const [human, json, bad] = await Promise.all([
      smsgw(['messages', 'acme', '+447700900777', ...window], { token: TOKENS.viewer }),
      smsgw(['--json', 'messages', 'acme', '447700900777', ...window, '--limit', '1'], { token: TOKENS.viewer }),
      smsgw(['messages', 'acme', 'nonsense'], { token: TOKENS.viewer }),
    ]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('2 messages of acme to 447700900777 from 2025-01-02T00:00:00.000Z to 2025-01-03T00:00:00.000Z');
    expect(lines[2]!.split(/\s+/)).toEqual(['ID', 'CREATED', 'STATE', 'SMSC', 'PARTS', 'FROM']);
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(['m-cli-s1', 'm-cli-s0']);
    expect(JSON.parse(json.stdout).messages.map((m: { id: string }) => m.id)).toEqual(['m-cli-s1']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^smsgw: querystring\.destination: destination address is not numeric\n$/);
  });

  it('cancel <id>: an operator cancels a routed message; a viewer is refused; a finished one is the API\'s 409 message', async () => {
    await env.fx.store.createMessage({ id: 'm-cli-c', sys: 'acme', src: 'ACME', dst: '447700900888', rd: 1, state: 'ROUTED', at: Date.now() });
    const denied = await smsgw(['cancel', 'm-cli-c'], { token: TOKENS.viewer });
    expect(denied).toEqual({ code: 1, stdout: '', stderr: 'smsgw: this needs the operator role; token "ops-viewer" is viewer\n' });
    // Routed but no longer in the client's backlog (the sender took it): nothing to cancel here, no sender to ask.
    const gone = await smsgw(['cancel', 'm-cli-c'], { token: TOKENS.operator });
    expect(gone).toEqual({ code: 1, stdout: '', stderr: 'smsgw: handed to an SMSC already, ended, or unknown\n' });
    await env.fx.store.transition('m-cli-c', 'DELIVERED', { at: Date.now() });
    expect((await smsgw(['cancel', 'm-cli-c'], { token: TOKENS.operator })).stderr).toBe('smsgw: message is DELIVERED\n');
    // Still queued before the policy-worker: cancelled, given its client.
    const now = Date.now();
    await createClientBacklog(env.ns.redis, env.ns.prefix).enqueue(env.fx.names.in, {
      v: 1, id: 'm-cli-q', sys: 'acme', src: { ton: 5, npi: 0, addr: 'ACME', norm: 'ACME' }, dst: { ton: 1, npi: 1, addr: '447700900888', norm: '447700900888' },
      dc: 0, esm: 0, rd: 1, pid: 0, pri: 0, sm: '', at: now, exp: now + 60_000,
    });
    expect(await smsgw(['cancel', 'm-cli-q', '--client', 'acme'], { token: TOKENS.operator })).toEqual({ code: 0, stdout: 'm-cli-q (acme): cancelled before it was sent\n', stderr: '' });
  });

  it("an unknown message: the API's message on stderr, exit 1", async () => {
    const [res, json] = await Promise.all([smsgw(['message', 'nope'], { token: TOKENS.viewer }), smsgw(['--json', 'smsc', 'sim', '12345'], { token: TOKENS.viewer })]);
    expect(res).toEqual({ code: 1, stdout: '', stderr: 'smsgw: no message nope\n' });
    expect(json).toEqual({ code: 1, stdout: '', stderr: 'smsgw: no message has SMSC id 12345 at sim\n' });
  });
});

describe('smsgw CLI: dead letters', () => {
  it('lists them (content only in --json, from operator up); replay as operator, 403 as viewer, 409 the second time', async () => {
    const data = { id: 'm-dead', sys: 'acme', dst: '447700900999' };
    const entryId = await deadLetter({ stream: env.fx.names.out('bulk'), id: '9-0', deliveries: 11, data });
    const [list, asViewerJson, asOperatorJson] = await Promise.all([
      smsgw(['dead-letters'], { token: TOKENS.viewer }),
      smsgw(['dead-letters', '--json'], { token: TOKENS.viewer }),
      smsgw(['dead-letters', '--json', '--count', '10'], { token: TOKENS.operator }),
    ]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['ENTRY', 'STREAM', 'STREAM', 'ID', 'DELIVERIES', 'REPLAYABLE']);
    expect(rowOf(list.stdout, entryId)).toEqual([entryId, env.fx.names.out('bulk'), '9-0', '11', 'yes']);
    expect(list.stdout).not.toContain('447700900999');
    expect(JSON.parse(asViewerJson.stdout).entries.find((e: { entryId: string }) => e.entryId === entryId)).not.toHaveProperty('data');
    expect(JSON.parse(asOperatorJson.stdout).entries.find((e: { entryId: string }) => e.entryId === entryId)).toMatchObject({ data });

    const denied = await smsgw(['dead-letters', 'replay', entryId], { token: TOKENS.viewer });
    expect(denied).toEqual({ code: 1, stdout: '', stderr: 'smsgw: this needs the operator role; token "ops-viewer" is viewer\n' });

    const replayed = await smsgw(['dead-letters', 'replay', entryId], { token: TOKENS.operator });
    expect(replayed.code).toBe(0);
    const m = /^replayed (\S+): back on (\S+) as (\d+-\d+)\n$/.exec(replayed.stdout);
    expect(m?.slice(1, 3)).toEqual([entryId, env.fx.names.out('bulk')]);
    const back = await env.ns.redis.xrange(env.fx.names.out('bulk'), m![3]!, m![3]!);
    expect(back).toHaveLength(1);

    const again = await smsgw(['dead-letters', 'replay', entryId], { token: TOKENS.operator });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`^smsgw: dead letter ${entryId} was replayed already \\(by ops-operator at `));
  });
});

describe('smsgw CLI: links', () => {
  it('links: a row per sender of each SMSC; link drain / resume as operator, refused as viewer', async () => {
    const control = createLinkControl(env.ns.redis, env.ns.prefix);
    await control.report({ instance: 'sender-x', at: Date.now(), links: [{ smsc: 'sim', mode: 'active', sessions: 2, bound: 2, inFlight: 1, lastHeardAt: Date.now(), sendRate: 12, effectiveRate: null }] }, 10_000);
    const list = await smsgw(['links'], { token: TOKENS.viewer });
    expect(list.code).toBe(0);
    expect(rowOf(list.stdout, 'sim')?.slice(0, 7)).toEqual(['sim', 'active', '-', 'sender-x', 'active', '2/2', '1']);
    // The fixture's SMSC has no throughput: no limit, so no rate.
    expect(rowOf(list.stdout, 'sim')?.slice(-2)).toEqual(['12', '-/-']);
    const denied = await smsgw(['link', 'drain', 'sim'], { token: TOKENS.viewer });
    expect(denied).toEqual({ code: 1, stdout: '', stderr: 'smsgw: this needs the operator role; token "ops-viewer" is viewer\n' });
    const drained = await smsgw(['link', 'drain', 'sim'], { token: TOKENS.operator });
    expect(drained).toEqual({ code: 0, stdout: 'sim: draining (by ops-operator)\n', stderr: '' });
    expect((await control.settings()).get('sim')?.mode).toBe('draining');
    expect(JSON.parse((await smsgw(['links', '--json'], { token: TOKENS.viewer })).stdout).links[0]).toMatchObject({ smsc: 'sim', mode: 'draining', setBy: 'ops-operator' });
    expect((await smsgw(['link', 'resume', 'sim'], { token: TOKENS.operator })).stdout).toBe('sim: active (by ops-operator)\n');
    const unknown = await smsgw(['link', 'suspend', 'nope'], { token: TOKENS.operator });
    expect(unknown).toMatchObject({ code: 1, stderr: 'smsgw: no SMSC "nope" in the config\n' });
  });
});

describe('smsgw CLI: lists', () => {
  it('list add / remove / import as operator; list show a page; lists the names', async () => {
    const op = { token: TOKENS.operator };
    expect(await smsgw(['list', 'add', 'blacklist', '447700900666', '4479*'], op)).toEqual({ code: 0, stdout: 'blacklist: 2 added\n', stderr: '' });
    expect(await smsgw(['list', 'add', 'senders', 'ACME', '--client', 'acme'], op)).toEqual({ code: 0, stdout: 'senders of acme: 1 added\n', stderr: '' });
    expect(await smsgw(['list', 'add', 'blacklist', 'not-a-number'], op)).toMatchObject({ code: 1, stderr: 'smsgw: invalid entries for blacklist: not-a-number\n' });
    expect((await smsgw(['list', 'add', 'blacklist', '1'], { token: TOKENS.viewer })).code).toBe(1);
    const file = join(env.dir, 'stop.csv');
    await writeFile(file, 'number\n447700900990\nbad\n');
    expect(await smsgw(['list', 'import', 'optout', file, '--client', 'beta'], op)).toEqual({ code: 0, stdout: 'optout: 1 read, 1 added, 2 invalid\n', stderr: '' });
    expect(await smsgw(['list', 'remove', 'blacklist', '4479*'], op)).toEqual({ code: 0, stdout: 'blacklist: 1 removed\n', stderr: '' });
    const page = await smsgw(['list', 'show', 'blacklist'], { token: TOKENS.viewer });
    expect(page).toEqual({ code: 0, stdout: '447700900666\n(1 in blacklist)\n', stderr: '' });
    expect(rowOf((await smsgw(['lists'], { token: TOKENS.viewer })).stdout, 'optout')).toEqual(['optout', 'per', 'client', 'numbers']);
  });
});

describe('smsgw CLI: offline commands', () => {
  it('config schema: JSON Schema of the config file; config reference: the docs table', async () => {
    const [schema, reference] = await Promise.all([smsgw(['config', 'schema']), smsgw(['config', 'reference'])]);
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ title: 'smsgw gateway configuration', type: 'object', additionalProperties: false });
    expect(reference.code).toBe(0);
    expect(reference.stdout).toContain('| `ingress.port` | integer 0–65535 | `2775` |');
  });

  it('config check: "ok" and a summary of a valid file, read with the environment (${VAR})', async () => {
    const file = join(env.dir, 'good.yaml');
    await writeFile(
      file,
      `clients: [{ systemId: acme, password: "\${ACME_PW}" }]
smscs: [{ id: sim, host: 127.0.0.1, port: 2776, systemId: gw, password: gw }]
routes: [{ prefix: "44", smscs: [sim], pool: uk }, { prefix: "", smscs: [sim] }]
`,
    );
    const res = await smsgw(['config', 'check', file], { env: { ACME_PW: 'secret' }, url: 'http://127.0.0.1:1' });
    expect(res).toEqual({ code: 0, stdout: `ok: ${file} 1 client, 1 SMSC, 2 routes in 2 pools (sim, uk), state in redis, Redis prefix smsgw, 0 admin tokens\n`, stderr: '' });
    const unset = await smsgw(['config', 'check', file]);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toBe('smsgw: config: clients.0.password: environment variable ACME_PW is not set\n');
  });

  it('config check: an invalid file, exit 1 naming the field', async () => {
    const file = join(env.dir, 'bad.yaml');
    await writeFile(file, 'clients: [{ systemId: acme }]\nadmin: { port: "x" }\n');
    const res = await smsgw(['config', 'check', file]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(new RegExp(`^smsgw: config: ${file} is invalid:\\n`));
    expect(res.stderr).toContain('→ at admin.port');
    expect(res.stderr).toContain('→ at clients[0].password');
  });

  it('hash-token --new: a random token and its sha256; hash-token hashes stdin', async () => {
    const [made, piped] = await Promise.all([smsgw(['hash-token', '--new']), smsgw(['hash-token'], { input: `${'k'.repeat(40)}\n` })]);
    expect(made.code).toBe(0);
    const m = /^token: +([0-9a-f]{64})\ntokenHash: (sha256:[0-9a-f]{64})\n$/.exec(made.stdout);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(`sha256:${createHash('sha256').update(m![1]!).digest('hex')}`);
    expect(piped).toEqual({ code: 0, stdout: `sha256:${createHash('sha256').update('k'.repeat(40)).digest('hex')}\n`, stderr: '' });
  });

  it('hash-password: an scrypt PHC string of the password on stdin; too long for SMPP is refused', async () => {
    const [ok, tooLong] = await Promise.all([smsgw(['hash-password', '--ln', '10'], { input: 'pw12\n' }), smsgw(['hash-password'], { input: 'ninechars' })]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+\n$/);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/^smsgw: an SMPP password is 1 to 8 characters/);
  });
});
