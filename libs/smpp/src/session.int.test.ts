import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pdu } from './pdu';
import { SmppSession } from './session';
import { bindSession, connectSession, createSmppServer, listen, type SessionOptions } from './session-connect';
import { SessionClosedError, SmppTimeoutError } from './session-errors';
import { SmppStatusError, STATUS } from './status';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

/** A server whose sessions are handed to `onSession`; returns a connected client session. */
async function pair(onSession: (s: SmppSession) => void, clientOpts: SessionOptions = {}, serverOpts: SessionOptions = {}) {
  const server: Server = createSmppServer(onSession, serverOpts);
  const port = await listen(server);
  const client = await connectSession({ host: '127.0.0.1', port, ...clientOpts });
  cleanup.push(() => {
    client.destroy();
    server.close();
  });
  return { client, server, port };
}

const until = (cond: () => boolean, what: string, ms = 5_000) =>
  new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });

const submit = (n: number) => ({ command: 'submit_sm' as const, destination_addr: String(n), short_message: Buffer.from(`m${n}`) });

describe('SmppSession over TCP', () => {
  it('matches responses to requests by seq, also out of order', async () => {
    const held: Array<[SmppSession, Pdu]> = [];
    const { client } = await pair((s) =>
      s.on('pdu', (p) => {
        held.push([s, p]);
        // Answer the three in reverse order once all arrived.
        if (held.length === 3) for (const [ss, pp] of held.reverse()) ss.respond(pp, { message_id: `id-${pp.destination_addr}` });
      }),
    );
    const resps = await Promise.all([1, 2, 3].map((n) => client.request(submit(n))));
    expect(resps.map((r) => r.message_id)).toEqual(['id-1', 'id-2', 'id-3']);
    expect(resps.every((r) => r.command === 'submit_sm_resp' && r.status === 0)).toBe(true);
    expect(client.inFlight).toBe(0);
  });

  it('never has more than `window` requests unanswered at the peer', async () => {
    let unanswered = 0;
    let maxSeen = 0;
    const { client } = await pair(
      (s) =>
        s.on('pdu', (p) => {
          unanswered++;
          maxSeen = Math.max(maxSeen, unanswered);
          setTimeout(() => {
            unanswered--;
            s.respond(p, { message_id: 'x' });
          }, 1 + (p.seq % 4));
        }),
      { window: 3 },
    );
    const all = Array.from({ length: 30 }, (_, i) => client.request(submit(i)));
    await until(() => client.inFlight > 0, 'requests in flight');
    expect(client.inFlight).toBeLessThanOrEqual(3);
    const resps = await Promise.all(all);
    expect(resps).toHaveLength(30);
    expect(maxSeen).toBe(3);
  });

  it('rejects with SmppTimeoutError when no response comes, and frees the window slot', async () => {
    const seen: Pdu[] = [];
    const { client } = await pair((s) => s.on('pdu', (p) => {
      seen.push(p);
      if (seen.length > 1) s.respond(p, { message_id: 'late-ok' });
    }), { responseTimeoutMs: 100, window: 1 });
    const first = client.request(submit(1));
    const second = client.request(submit(2));
    await expect(first).rejects.toBeInstanceOf(SmppTimeoutError);
    expect((await second).message_id).toBe('late-ok');
    expect(client.closed).toBe(false);
  });

  it('fails in-flight and queued requests with SessionClosedError when the peer disconnects', async () => {
    const { client } = await pair((s) => s.on('pdu', () => s.destroy()), { window: 1 });
    const results = await Promise.allSettled([1, 2, 3].map((n) => client.request(submit(n))));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(SessionClosedError);
    }
    await until(() => client.closed, 'client closed');
    await expect(client.request(submit(4))).rejects.toBeInstanceOf(SessionClosedError);
  });

  it('answers enquire_link itself without telling the application', async () => {
    const appPdus: Pdu[] = [];
    const { client } = await pair((s) => s.on('pdu', (p) => appPdus.push(p)));
    const resp = await client.request({ command: 'enquire_link' });
    expect(resp).toMatchObject({ command: 'enquire_link_resp', status: 0 });
    expect(appPdus).toEqual([]);
  });

  it('sends enquire_link when idle (§7.2 enquire_link_timer)', async () => {
    let serverSide: SmppSession | undefined;
    const { client } = await pair((s) => (serverSide = s), {}, { enquireLinkMs: 30 });
    let probes = 0;
    const orig = client.socket.listeners('data');
    expect(orig.length).toBe(1);
    client.socket.prependListener('data', (chunk: Buffer) => {
      if (chunk.readUInt32BE(4) === 0x15) probes++;
    });
    await until(() => probes >= 2, 'two enquire_links');
    expect(serverSide!.inFlight).toBeLessThanOrEqual(1);
  });

  it('closes after the inactivity timer', async () => {
    const { client } = await pair(() => {}, { inactivityMs: 50, enquireLinkMs: 0 });
    await until(() => client.closed, 'inactivity close');
  });

  it('unbind: the peer answers unbind_resp, both sides close', async () => {
    const events: string[] = [];
    let serverSide: SmppSession | undefined;
    const { client } = await pair((s) => {
      serverSide = s;
      s.on('unbind', () => events.push('unbind'));
      s.on('close', () => events.push('close'));
    });
    await client.unbind();
    expect(client.closed).toBe(true);
    await until(() => events.includes('close'), 'server close');
    expect(events).toEqual(['unbind', 'close']);
    expect(serverSide!.closed).toBe(true);
  });

  it('stops reading at maxIncomingPending unanswered requests and resumes when answered', async () => {
    const got: Array<[SmppSession, Pdu]> = [];
    const { client } = await pair((s) => s.on('pdu', (p) => got.push([s, p])), { window: 10 }, { maxIncomingPending: 2 });
    const all = Array.from({ length: 5 }, (_, i) => client.request(submit(i)));
    await until(() => got.length === 2, 'two pdus');
    // Give the other three every chance to be (wrongly) delivered.
    await new Promise((r) => setTimeout(r, 100));
    expect(got.length).toBe(2);
    const [s, p] = got[0]!;
    // Not just held back in memory: the socket itself is no longer read.
    expect(s.socket.isPaused()).toBe(true);
    s.respond(p, { message_id: 'a' });
    await until(() => got.length === 3, 'third pdu after one answer');
    for (const [ss, pp] of got.slice(1)) ss.respond(pp, { message_id: 'b' });
    await until(() => got.length === 5, 'all pdus');
    for (const [ss, pp] of got.slice(3)) ss.respond(pp, { message_id: 'c' });
    expect((await Promise.all(all)).map((r) => r.message_id)).toEqual(['a', 'b', 'b', 'c', 'c']);
    expect(s.socket.isPaused()).toBe(false);
  });

  it('bindSession resolves with bind_resp, or rejects with SmppStatusError', async () => {
    const { port } = await pair((s) =>
      s.on('pdu', (p) => s.respond(p, p.password === 'good' ? { system_id: 'SMSC' } : { status: STATUS.ESME_RBINDFAIL })),
    );
    const ok = await connectSession({ host: '127.0.0.1', port });
    const bad = await connectSession({ host: '127.0.0.1', port });
    cleanup.push(() => ok.destroy(), () => bad.destroy());
    expect((await bindSession(ok, { mode: 'transceiver', system_id: 'u', password: 'good' })).system_id).toBe('SMSC');
    const err = await bindSession(bad, { mode: 'transmitter', system_id: 'u', password: 'bad' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmppStatusError);
    expect((err as SmppStatusError).status).toBe(STATUS.ESME_RBINDFAIL);
  });

  it('connectSession rejects when nobody listens', async () => {
    const server = createSmppServer(() => {});
    const port = await listen(server);
    await new Promise((r) => server.close(r));
    await expect(connectSession({ host: '127.0.0.1', port })).rejects.toThrow(/ECONNREFUSED/);
  });
});
