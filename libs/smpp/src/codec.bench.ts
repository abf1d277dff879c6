/**
 * `npm run bench:smpp`: what one PDU costs in this library, in µs and in bytes allocated.
 * - codec: encode and decode of a typical submit_sm (alphanumeric source, 12-digit destination,
 *   40-character GSM text, registered_delivery 1), of its submit_sm_resp, and of a deliver_sm
 *   receipt (appendix B text plus receipted_message_id and message_state TLVs);
 * - round trip: two real sessions over TCP loopback in this process, one bound to the other,
 *   sending submit_sm with BENCH_WINDOW (default 200) in flight and awaiting each submit_sm_resp.
 * Bytes come from V8's sampling heap profiler with collected objects included, so garbage counts
 * and the figure does not depend on the machine's load (µs do: the median of several runs).
 * Buffer contents outside the V8 heap are not counted, their Buffer objects are.
 * BENCH_OPS (default 200000) codec operations, BENCH_ROUND_TRIPS (default 20000) round trips.
 */
import { bytesAllocated, closeBytesAllocated } from '../../testing/src/bytes-allocated';
import { cstringTlv, MESSAGE_STATE, TLV, uint8Tlv, type EncodablePdu, type Pdu, type PduInit } from './pdu';
import { decodePdu, encodePdu } from './pdu-codec';
import { bindSession, connectSession, createSmppServer, listen } from './session-connect';
import type { SmppSession } from './session';

const env = process.env;
const OPS = Number(env.BENCH_OPS ?? 200_000);
const ROUND_TRIPS = Number(env.BENCH_ROUND_TRIPS ?? 20_000);
const WINDOW = Number(env.BENCH_WINDOW ?? 200);
const RUNS = 5;


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

interface Result {
  us: number;
  bytes: number;
}

async function measureSync(fn: () => unknown, n: number): Promise<Result> {
  const loop = () => {
    for (let i = 0; i < n; i++) fn();
  };
  loop(); // warm-up: optimised code before anything is counted
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    loop();
    times.push(((performance.now() - t0) * 1000) / n);
  }
  const bytes = await bytesAllocated(loop);
  return { us: round(median(times), 3), bytes: Math.round(bytes / n) };
}

// ---------------------------------------------------------------- codec

const submitInit: PduInit = {
  command: 'submit_sm',
  service_type: '',
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: 'ACME Bank',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: '447700900123',
  registered_delivery: 1,
  data_coding: 0,
  // 40 characters of the GSM default alphabet, one septet per octet.
  short_message: Buffer.from('Your code is 482913. It expires in 5 min', 'latin1'),
};
const submit: EncodablePdu = { ...submitInit, seq: 1234 };
const submitResp: EncodablePdu = { command: 'submit_sm_resp', seq: 1234, message_id: '6f1c2a9e0b7d4c13' };
const smscId = '6f1c2a9e0b7d4c13';
const receipt: EncodablePdu = {
  command: 'deliver_sm',
  seq: 98765,
  source_addr_ton: 1,
  source_addr_npi: 1,
  source_addr: '447700900123',
  dest_addr_ton: 5,
  dest_addr_npi: 0,
  destination_addr: 'ACME Bank',
  esm_class: 0x04,
  short_message: Buffer.from(`id:${smscId} sub:001 dlvrd:001 submit date:2412011200 done date:2412011201 stat:DELIVRD err:000 text:Your code is 482913`, 'latin1'),
  tlvs: [cstringTlv(TLV.receipted_message_id, smscId), uint8Tlv(TLV.message_state, MESSAGE_STATE.DELIVERED)],
};

const codec: Record<string, Result> = {};
for (const [name, pdu] of [['submit_sm', submit], ['submit_sm_resp', submitResp], ['deliver_sm receipt', receipt]] as const) {
  const wire = encodePdu(pdu);
  codec[`${name} encode`] = await measureSync(() => encodePdu(pdu), OPS);
  codec[`${name} decode`] = await measureSync(() => decodePdu(wire), OPS);
  codec[`${name} encode+decode`] = await measureSync(() => decodePdu(encodePdu(pdu)), OPS);
}

// ---------------------------------------------------------------- round trip

let messageIds = 0;
const server = createSmppServer(
  (s) =>
    s.on('pdu', (pdu: Pdu) => {
      if (pdu.command === 'submit_sm') s.respond(pdu, { message_id: (++messageIds).toString(16) });
      else if (pdu.command.startsWith('bind_')) s.respond(pdu, { system_id: 'bench-smsc' });
      else s.respond(pdu, { status: 0x03 });
    }),
  { window: WINDOW, maxIncomingPending: WINDOW * 2 },
);
const port = await listen(server);
const client = await connectSession({ host: '127.0.0.1', port, window: WINDOW, responseTimeoutMs: 60_000 });
await bindSession(client, { mode: 'transceiver', system_id: 'bench', password: 'bench' });

/** n submit_sm, WINDOW in flight: each response starts the next request, as a sender does. */
function roundTrips(session: SmppSession, n: number): Promise<void> {
  let started = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const next = (): void => {
      started++;
      session.request({ ...submitInit }).then((resp) => {
        if (resp.status !== 0) return reject(new Error(`submit_sm_resp status ${resp.status}`));
        if (++done === n) return resolve();
        if (started < n) next();
      }, reject);
    };
    for (let i = 0; i < Math.min(WINDOW, n); i++) next();
  });
}

await roundTrips(client, Math.min(ROUND_TRIPS, 5_000)); // warm-up
const wall: number[] = [];
const cpu: number[] = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await roundTrips(client, ROUND_TRIPS);
  const c = process.cpuUsage(c0);
  wall.push(((performance.now() - t0) * 1000) / ROUND_TRIPS);
  cpu.push((c.user + c.system) / ROUND_TRIPS);
}
const rtBytes = await bytesAllocated(() => roundTrips(client, ROUND_TRIPS));
await client.unbind();
await new Promise<void>((resolve) => server.close(() => resolve()));
closeBytesAllocated();

const roundTrip = {
  wallUs: round(median(wall), 2),
  cpuUs: round(median(cpu), 2),
  bytes: Math.round(rtBytes / ROUND_TRIPS),
};
console.table(Object.fromEntries(Object.entries(codec).map(([k, v]) => [k, { 'µs/op': v.us, 'bytes/op': v.bytes }])));
console.log(`round trip (both sessions, ${ROUND_TRIPS} submit_sm, window ${WINDOW}): ${roundTrip.wallUs} µs wall, ${roundTrip.cpuUs} µs CPU, ${roundTrip.bytes} bytes per message`);
console.log(JSON.stringify({ codec, roundTrip: { wallUs: roundTrip.wallUs, cpuUs: roundTrip.cpuUs, bytes: roundTrip.bytes, window: WINDOW }, node: process.version }));
