import { createRequire } from 'node:module';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PDU_LENGTH, PduFramer } from './framer';
import type { Pdu } from './pdu';
import { decodePdu, encodePdu, PduDecodeError } from './pdu-codec';
import type { SmppSession } from './session';
import { connectSession, createSmppServer, listen } from './session-connect';
import { STATUS } from './status';

const cleanup: Array<() => void> = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

/** Our server; every submit_sm gets ROK with message_id "ok-<seq>". */
async function server(opts = {}): Promise<{ port: number; pdus: Pdu[]; sessions: SmppSession[] }> {
  const pdus: Pdu[] = [];
  const sessions: SmppSession[] = [];
  const srv: Server = createSmppServer((s) => {
    sessions.push(s);
    s.on('pdu', (p) => {
      pdus.push(p);
      if (p.command.startsWith('bind_')) s.respond(p, { system_id: 'SIM' });
      else s.respond(p, { message_id: `ok-${p.seq}` });
    });
  }, opts);
  const port = await listen(srv);
  cleanup.push(() => {
    for (const s of sessions) s.destroy();
    srv.close();
  });
  return { port, pdus, sessions };
}

/** A byte-level peer: writes raw octets, collects decoded PDUs, notices when the server closes. */
async function rawPeer(port: number) {
  const sock: Socket = connect({ host: '127.0.0.1', port });
  await new Promise((r) => sock.once('connect', r));
  cleanup.push(() => sock.destroy());
  const framer = new PduFramer();
  const got: Pdu[] = [];
  let ended = false;
  sock.on('data', (c: Buffer) => got.push(...framer.push(c).map(decodePdu)));
  sock.on('close', () => (ended = true));
  const waitFor = (n: number) =>
    new Promise<Pdu[]>((resolve, reject) => {
      const t0 = Date.now();
      const tick = () => (got.length >= n ? resolve(got) : Date.now() - t0 > 5_000 ? reject(new Error(`only ${got.length} PDUs`)) : setTimeout(tick, 5));
      tick();
    });
  const waitClosed = () =>
    new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const tick = () => (ended ? resolve() : Date.now() - t0 > 5_000 ? reject(new Error('still open')) : setTimeout(tick, 5));
      tick();
    });
  return { sock, got, waitFor, waitClosed };
}

const header = (len: number, id: number, seq: number) => {
  const h = Buffer.alloc(16);
  h.writeUInt32BE(len, 0);
  h.writeUInt32BE(id, 4);
  h.writeUInt32BE(seq, 12);
  return h;
};

describe('session behaviour on the wire (SMPP.md)', () => {
  it('unknown command_id → generic_nack ESME_RINVCMDID with its seq, and the session keeps working', async () => {
    const { port } = await server();
    const peer = await rawPeer(port);
    peer.sock.write(Buffer.concat([header(20, 0x00000999, 5), Buffer.from([1, 2, 3, 4]), encodePdu({ command: 'enquire_link', seq: 6 })]));
    const [nack, resp] = await peer.waitFor(2);
    expect(nack).toMatchObject({ command: 'generic_nack', status: STATUS.ESME_RINVCMDID, seq: 5 });
    expect(resp).toMatchObject({ command: 'enquire_link_resp', status: 0, seq: 6 });
  });

  it('oversized command_length → generic_nack ESME_RINVCMDLEN, then close', async () => {
    const { port, pdus } = await server({ maxPduLength: 4096 });
    const peer = await rawPeer(port);
    peer.sock.write(header(1_000_000, 4, 9));
    await peer.waitClosed();
    expect(peer.got).toEqual([expect.objectContaining({ command: 'generic_nack', status: STATUS.ESME_RINVCMDLEN, seq: 9 })]);
    expect(pdus).toEqual([]);
  });

  it('command_length below 16 → generic_nack ESME_RINVCMDLEN, then close', async () => {
    const { port } = await server();
    const peer = await rawPeer(port);
    peer.sock.write(header(8, 0x15, 3));
    await peer.waitClosed();
    expect(peer.got[0]).toMatchObject({ command: 'generic_nack', status: STATUS.ESME_RINVCMDLEN });
  });

  it('a malformed submit_sm gets its own resp with the decode status; the next good one is served', async () => {
    const { port, pdus } = await server();
    const peer = await rawPeer(port);
    const good = encodePdu({ command: 'submit_sm', seq: 2, destination_addr: '491', short_message: Buffer.from('hi') });
    const bad = Buffer.from(encodePdu({ command: 'submit_sm', seq: 1, destination_addr: '491', short_message: Buffer.from('hi') }));
    bad[bad.length - 3] = 0x40; // sm_length 64, but only 2 octets follow
    peer.sock.write(Buffer.concat([bad, good]));
    const [r1, r2] = await peer.waitFor(2);
    expect(r1).toMatchObject({ command: 'submit_sm_resp', seq: 1, status: STATUS.ESME_RINVMSGLEN });
    expect(r2).toMatchObject({ command: 'submit_sm_resp', seq: 2, status: 0, message_id: 'ok-2' });
    expect(pdus.map((p) => p.seq)).toEqual([2]);
  });

  it('TLV floods and duplicates get their own resp with 0xC0/0xC1, and the session keeps serving', async () => {
    // The largest PDU the framer takes by default, so the flood below reaches the codec.
    const { port, pdus } = await server({ maxPduLength: DEFAULT_MAX_PDU_LENGTH });
    const peer = await rawPeer(port);
    const emptyTlvs = (n: number, tag = 0x1401) => {
      const b = Buffer.alloc(4 * n);
      for (let i = 0; i < n; i++) b.writeUInt16BE(tag, 4 * i);
      return b;
    };
    // 16,636 empty TLVs: the largest enquire_link the default framer lets through (66,560 octets).
    const flood = emptyTlvs((DEFAULT_MAX_PDU_LENGTH - 16) / 4);
    expect(flood.length / 4).toBe(16_636);
    const enquire = Buffer.concat([header(16 + flood.length, 0x15, 1), flood]);
    const submit = (seq: number, tlvs: Buffer) => {
      const base = encodePdu({ command: 'submit_sm', seq, destination_addr: '491', short_message: Buffer.from('hi') });
      const wire = Buffer.concat([base, tlvs]);
      wire.writeUInt32BE(wire.length, 0);
      return wire;
    };
    const sar = Buffer.from('020c00020001', 'hex'); // sar_msg_ref_num, twice below
    peer.sock.write(Buffer.concat([enquire, submit(2, Buffer.concat([sar, sar])), submit(3, emptyTlvs(1_000)), submit(4, Buffer.alloc(0))]));
    const [r1, r2, r3, r4] = await peer.waitFor(4);
    expect(r1).toMatchObject({ command: 'enquire_link_resp', seq: 1, status: STATUS.ESME_ROPTPARNOTALLWD });
    expect(r2).toMatchObject({ command: 'submit_sm_resp', seq: 2, status: STATUS.ESME_ROPTPARNOTALLWD });
    expect(r3).toMatchObject({ command: 'submit_sm_resp', seq: 3, status: STATUS.ESME_RINVOPTPARSTREAM });
    expect(r4).toMatchObject({ command: 'submit_sm_resp', seq: 4, status: 0, message_id: 'ok-4' });
    expect(pdus.map((p) => p.seq)).toEqual([4]);
  });

  it('a bind with an over-long system_id is answered with ESME_RINVSYSID', async () => {
    const { port } = await server();
    const peer = await rawPeer(port);
    const body = Buffer.concat([Buffer.from('x'.repeat(20) + '\0pw\0\0'), Buffer.from([0x34, 0, 0, 0])]);
    peer.sock.write(Buffer.concat([header(16 + body.length, 0x09, 4), body]));
    const [r] = await peer.waitFor(1);
    expect(r).toMatchObject({ command: 'bind_transceiver_resp', seq: 4, status: STATUS.ESME_RINVSYSID });
  });

  it('reassembles frames split into single octets across writes', async () => {
    const { port, pdus } = await server();
    const peer = await rawPeer(port);
    const wire = Buffer.concat([
      encodePdu({ command: 'submit_sm', seq: 10, destination_addr: '4912', short_message: Buffer.from('split me') }),
      encodePdu({ command: 'submit_sm', seq: 11, destination_addr: '4913', short_message: Buffer.from('me too') }),
    ]);
    for (let i = 0; i < wire.length; i++) {
      peer.sock.write(wire.subarray(i, i + 1));
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await peer.waitFor(2);
    expect(pdus.map((p) => p.short_message?.toString())).toEqual(['split me', 'me too']);
    expect(peer.got.map((p) => p.message_id)).toEqual(['ok-10', 'ok-11']);
  });

  it('answers written in one tick go out in order, and close() sends those still queued before the FIN', async () => {
    const { port } = await server();
    const peer = await rawPeer(port);
    const submits = [3, 4, 5].map((seq) => encodePdu({ command: 'submit_sm', seq, destination_addr: '491', short_message: Buffer.from('hi') }));
    // One chunk: three answers and the unbind_resp are written in the tick that then closes.
    peer.sock.write(Buffer.concat([encodePdu({ command: 'enquire_link', seq: 1 }), ...submits, encodePdu({ command: 'unbind', seq: 6 })]));
    await peer.waitClosed();
    expect(peer.got.map((p) => [p.command, p.seq])).toEqual([
      ['enquire_link_resp', 1],
      ['submit_sm_resp', 3],
      ['submit_sm_resp', 4],
      ['submit_sm_resp', 5],
      ['unbind_resp', 6],
    ]);
  });

  it('a response to no pending request is ignored and the session stays up', async () => {
    const { port } = await server();
    const peer = await rawPeer(port);
    peer.sock.write(Buffer.concat([encodePdu({ command: 'deliver_sm_resp', seq: 999, message_id: '' }), encodePdu({ command: 'enquire_link', seq: 1 })]));
    const [r] = await peer.waitFor(1);
    expect(r).toMatchObject({ command: 'enquire_link_resp', seq: 1 });
  });

  it('interop: the npm `smpp` client binds and submits to our server', async () => {
    const { port, pdus } = await server();
    const smpp = createRequire(import.meta.url)('smpp');
    const session = smpp.connect({ url: `smpp://127.0.0.1:${port}` });
    cleanup.push(() => session.destroy());
    const call = (cmd: string, params: object) => new Promise<{ command_status: number; message_id?: string; system_id?: string }>((r) => session[cmd](params, r));
    const bind = await call('bind_transceiver', { system_id: 'peer', password: 'pw' });
    expect(bind).toMatchObject({ command_status: 0, system_id: 'SIM' });
    const resp = await call('submit_sm', { source_addr: 'ACME', destination_addr: '4915', short_message: 'hello from smpp' });
    expect(resp.command_status).toBe(0);
    expect(resp.message_id).toMatch(/^ok-\d+$/);
    const sub = pdus.find((p) => p.command === 'submit_sm')!;
    expect(sub.destination_addr).toBe('4915');
    expect(sub.short_message?.toString()).toBe('hello from smpp');
  });

  it('a malformed response rejects its request; an error response with a broken body still resolves', async () => {
    // A raw SMSC that answers seq 1 with a message_id lacking its NUL (status 0) and seq 2 likewise
    // but with ESME_RTHROTTLED.
    const raw = createServer((sock) => {
      const framer = new PduFramer();
      sock.on('data', (c: Buffer) => {
        for (const f of framer.push(c)) {
          const seq = f.readUInt32BE(12);
          const resp = Buffer.concat([header(20, 0x80000004, seq), Buffer.from('abcd')]);
          if (seq === 2) resp.writeUInt32BE(STATUS.ESME_RTHROTTLED, 8);
          sock.write(resp);
        }
      });
    });
    const port = await listen(raw);
    const client = await connectSession({ host: '127.0.0.1', port });
    cleanup.push(() => {
      client.destroy();
      raw.close();
    });
    const first = client.request({ command: 'submit_sm', destination_addr: '1' });
    const second = client.request({ command: 'submit_sm', destination_addr: '2' });
    const err = await first.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PduDecodeError);
    expect((err as PduDecodeError).status).toBe(STATUS.ESME_RINVMSGID);
    expect(await second).toMatchObject({ command: 'submit_sm_resp', status: STATUS.ESME_RTHROTTLED, seq: 2 });
    expect(client.closed).toBe(false);
  });

  it('a throwing pdu handler is answered with ESME_RSYSERR and the session keeps serving', async () => {
    const errors: Error[] = [];
    const srv = createSmppServer((s) => {
      s.on('error', (e) => errors.push(e));
      s.on('pdu', (p) => {
        if (p.destination_addr === 'boom') throw new Error('handler bug');
        s.respond(p, { message_id: 'fine' });
      });
    });
    const port = await listen(srv);
    const client = await connectSession({ host: '127.0.0.1', port });
    cleanup.push(() => {
      client.destroy();
      srv.close();
    });
    expect((await client.request({ command: 'submit_sm', destination_addr: 'boom' })).status).toBe(STATUS.ESME_RSYSERR);
    expect((await client.request({ command: 'submit_sm', destination_addr: 'ok' })).message_id).toBe('fine');
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
  });
});
