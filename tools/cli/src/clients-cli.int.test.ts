import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKENS } from '@smsgw/admin/src/admin-fixture';
import { rowOf, useCliAdmin } from './cli-fixture';

const env = useCliAdmin('cli-clients');
const smsgw = (args: string[], token: string) => env.smsgw(args, { token });

describe('smsgw CLI: clients', () => {
  it('client set from a YAML file or --json (admin), show, clients; refusals name the field or the role', async () => {
    const file = join(env.dir, 'rt1.yaml');
    await writeFile(file, 'systemId: rt1\npassword: rtpw\nmaxBinds: 3\nroutes:\n  - { prefix: "49", smscs: [sim], pool: bulk }\n');
    const forbidden = await smsgw(['client', 'set', 'rt1', '--file', file], TOKENS.operator);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^smsgw: this needs the admin role/);

    const set = await smsgw(['client', 'set', 'rt1', '--file', file], TOKENS.admin);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toMatch(/^rt1: set \(registry version \d+\)/);

    const viaJson = await smsgw(['client', 'set', 'rt1', '--json', '{"maxBinds": 4}'], TOKENS.admin);
    expect(viaJson.code).toBe(0);
    // The settings are replaced as a whole (the file's routes are gone); the password is kept.
    expect(JSON.parse(viaJson.stdout).client).toMatchObject({ systemId: 'rt1', maxBinds: 4, routes: [] });

    const bad = await smsgw(['client', 'set', 'rt1', '--json', '{"maxBinds": 0}'], TOKENS.admin);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^smsgw: body\.maxBinds/);
    await writeFile(join(env.dir, 'other.yaml'), 'systemId: other\npassword: pw\n');
    const mismatch = await smsgw(['client', 'set', 'rt1', '--file', join(env.dir, 'other.yaml')], TOKENS.admin);
    expect(mismatch).toEqual({ code: 2, stdout: '', stderr: 'smsgw: the client\'s systemId "other" is not "rt1"\n' });
    expect((await smsgw(['client', 'set', 'rt1'], TOKENS.admin)).code).toBe(2);

    const [table, json] = await Promise.all([smsgw(['clients'], TOKENS.viewer), smsgw(['clients', '--json'], TOKENS.viewer)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['CLIENT', 'SOURCE', 'STATE', 'BINDS', 'SUBMIT/S', 'BACKLOG', 'RECEIPTS']);
    expect(rowOf(table.stdout, 'rt1')).toEqual(['rt1', 'runtime', 'active', '0', '0', '0', '0']);
    expect(rowOf(table.stdout, 'acme')).toEqual(['acme', 'config', 'active', '0', '0', '0', '0']);
    const api = await env.fx.app.inject({ method: 'GET', url: '/v1/clients', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(JSON.parse(json.stdout)).toEqual(api.json());

    const show = await smsgw(['client', 'show', 'rt1'], TOKENS.viewer);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^client +rt1\nsource +runtime\nstate +active\n/);
    expect(show.stdout).toContain('(not bound)');
    expect(show.stdout).toMatch(/\nmaxBinds: 4\n/);
    expect(show.stdout).not.toMatch(/password/i);
    const unknown = await smsgw(['client', 'show', 'nobody'], TOKENS.viewer);
    expect(unknown).toEqual({ code: 1, stdout: '', stderr: 'smsgw: no client "nobody"\n' });
  });

  it('client suspend / resume / disconnect as operator, refused as viewer; client remove as admin', async () => {
    expect((await smsgw(['client', 'suspend', 'rt1'], TOKENS.viewer)).code).toBe(1);
    expect(await smsgw(['client', 'suspend', 'rt1'], TOKENS.operator)).toEqual({ code: 0, stdout: 'rt1: suspended\n', stderr: '' });
    expect(rowOf((await smsgw(['clients'], TOKENS.viewer)).stdout, 'rt1')?.[2]).toBe('suspended');
    expect((await smsgw(['client', 'resume', 'rt1'], TOKENS.operator)).stdout).toBe('rt1: resumed\n');
    expect((await smsgw(['client', 'disconnect', 'rt1'], TOKENS.operator)).stdout).toBe('rt1: disconnected\n');
    expect(rowOf((await smsgw(['clients'], TOKENS.viewer)).stdout, 'rt1')?.[2]).toBe('active');

    expect((await smsgw(['client', 'remove', 'rt1'], TOKENS.operator)).code).toBe(1);
    expect(await smsgw(['client', 'remove', 'rt1'], TOKENS.admin)).toEqual({ code: 0, stdout: 'rt1: removed\n', stderr: '' });
    expect(await smsgw(['client', 'remove', 'rt1'], TOKENS.admin)).toEqual({ code: 1, stdout: '', stderr: 'smsgw: no run-time client "rt1"\n' });
    expect(rowOf((await smsgw(['clients'], TOKENS.viewer)).stdout, 'rt1')).toBeUndefined();
  });
});
