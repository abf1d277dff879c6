/**
 * `npx tsx libs/sms-text/src/segment.bench.ts`: what the sender's text work costs per message,
 * in µs and in bytes allocated (V8's sampling heap profiler, collected objects included, so the
 * figure does not depend on the machine's load; µs do: the median of several runs). The cases:
 * encodeGsm7 / decodeGsm7 of a 40-character text, and what the sender does for each message it
 * re-encodes (decodeText, then segmentForSmsc) for a one-part GSM text, a one-part UCS-2 text and
 * a two-part GSM text. BENCH_OPS (default 200000) operations each.
 */
import { bytesAllocated, closeBytesAllocated } from '../../testing/src/bytes-allocated';
import { decodeGsm7, encodeGsm7 } from './gsm7';
import { segmentForSmsc } from './smsc-text';
import { decodeText } from './text';
import { encodeUcs2 } from './ucs2';

const OPS = Number(process.env.BENCH_OPS ?? 200_000);
const RUNS = 5;


const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(fn: () => unknown): Promise<{ us: number; bytes: number }> {
  const loop = () => {
    for (let i = 0; i < OPS; i++) fn();
  };
  loop();
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    loop();
    times.push(((performance.now() - t0) * 1000) / OPS);
  }
  return { us: Math.round(median(times) * 1000) / 1000, bytes: Math.round((await bytesAllocated(loop)) / OPS) };
}

const gsmText = 'Your code is 482913. It expires in 5 min';
const gsmWithSymbols = 'Pay $25 @ shop_1 by 5pm [ref 7] or else!';
const longText = 'Your parcel 4829-1377 is out for delivery today between 10:00 and 14:00. '.repeat(2) + 'Reply STOP to opt out of these messages.';
const ucs2Text = 'Ваш код 482913, действует 5 минут';
const gsmBytes = encodeGsm7(gsmText)!;
const gsmSymbolBytes = encodeGsm7(gsmWithSymbols)!;
const longBytes = encodeGsm7(longText)!;
const ucs2Bytes = encodeUcs2(ucs2Text);

const cases: Record<string, () => unknown> = {
  'encodeGsm7 40 chars': () => encodeGsm7(gsmText),
  'encodeGsm7 40 chars with $ @ _ [ ]': () => encodeGsm7(gsmWithSymbols),
  'decodeGsm7 40 septets': () => decodeGsm7(gsmBytes),
  'decodeGsm7 40 septets with $ @ _ [ ]': () => decodeGsm7(gsmSymbolBytes),
  'decode + segment, 1 part GSM': () => segmentForSmsc(decodeText(0, gsmBytes), 0, 7),
  'decode + segment, 1 part UCS-2': () => segmentForSmsc(decodeText(8, ucs2Bytes), 8, 7),
  [`decode + segment, 2 parts GSM (${longText.length} chars)`]: () => segmentForSmsc(decodeText(0, longBytes), 0, 7),
};

const out: Record<string, { us: number; bytes: number }> = {};
for (const [name, fn] of Object.entries(cases)) out[name] = await measure(fn);
closeBytesAllocated();
console.table(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { 'µs/op': v.us, 'bytes/op': v.bytes }])));
console.log(JSON.stringify({ text: out, node: process.version }));
