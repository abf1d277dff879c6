import { ENTRY_FIELD } from '@smsgw/contracts';
import { createTickBatch } from '@smsgw/store';
import { defineDynamicKeyCommand, type Redis } from './redis-client';

/**
 * KEYS[1] the client's receipt stream, KEYS[2…] one dedupe marker per receipt (all in the
 * client's hash tag). ARGV: ttl s, then one payload per marker → one 1 (written) or 0 (written
 * before) per receipt. One script, so a redelivered dlr-in entry can never produce a second
 * client receipt; a marker twice in one call writes its receipt once. The marker is set after
 * the XADD: a script that fails part-way (a script is not rolled back) may leave a receipt
 * without its marker — written again on the retry — but never a marker without its receipt.
 */
const EMIT = `
local out = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('XADD', KEYS[1], '*', '${ENTRY_FIELD}', ARGV[i])
    redis.call('SET', KEYS[i], '1', 'EX', tonumber(ARGV[1]))
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
