import { ENTRY_FIELD } from '@smsgw/contracts';
import { createTickBatch } from '@smsgw/store';
import { defineDynamicKeyCommand, type Redis } from './redis-client';

/**
 * KEYS[1] the client's receipt stream, KEYS[2…] one dedupe marker per receipt (all in the
 * client's hash tag). ARGV: ttl s, then one payload per marker → one 1 (written) or 0 (written
 * before) per receipt. One script, so a redelivered dlr-in entry can never produce a second
 * client receipt; a marker twice in one call writes its receipt once. Two calls per receipt: the
 * marker's SET NX (taken: written before), then the XADD. An XADD that fails (the key is not a
 * stream) takes its marker back before the call fails: a script is not rolled back, and a marker
 * without its receipt would lose the receipt for good, while a receipt without its marker (the
 * receipts before it in the call) is only written again on the retry. Out of memory, Redis
 * refuses a script's first write, never one after a write went through (a script is not cut off
 * half-way); the XADD's error is caught either way.
 */
const EMIT = `
local out = {}
local ttl = tonumber(ARGV[1])
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    local res = redis.pcall('XADD', KEYS[1], '*', '${ENTRY_FIELD}', ARGV[i])
    if type(res) == 'table' and res.err then
      redis.call('DEL', KEYS[i])
      return res
    end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out`;

type WithEmit = Redis & { smsgwEmitReceipts(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

/**
 * Writes a client receipt at most once per (message, final state): resolves false when that
 * receipt was written before. The receipts of one turn of the event loop for one client go in
 * one script call (a read batch's receipts mostly share few clients), in the order they were
 * asked. No MAXLEN here: a trim would drop receipts silently; the dlr-worker's receipt expiry
 * bounds the stream and journals what it removes.
 */
export function createReceiptEmitter(redis: Redis, opts: { prefix: string; ttlSeconds?: number }) {
  const r = redis as WithEmit;
  defineDynamicKeyCommand(redis, 'smsgwEmitReceipts', EMIT);
  const ttl = opts.ttlSeconds ?? 7 * 24 * 3600;
  const emit = createTickBatch<{ marker: string; payload: string }, boolean>(async (stream, items) => {
    const res = await r.smsgwEmitReceipts(items.length + 1, stream, ...items.map((it) => it.marker), ttl, ...items.map((it) => it.payload));
    return res.map((x) => x === 1);
  }, 200);
  return (stream: string, sys: string, id: string, payload: unknown): Promise<boolean> =>
    emit(stream, { marker: `${opts.prefix}:rcpt:{${sys}}:${id}`, payload: JSON.stringify(payload) });
}
