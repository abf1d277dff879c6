import { parseArgs } from 'node:util';
import { runBench } from './bench-client';

/** smpp-bench against any SMPP server: `tsx tools/smpp-bench/src/main.ts --port 2775 -n 20000 -w 100`. */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '2775' },
    'system-id': { type: 'string', default: 'demo' },
    password: { type: 'string', default: 'demo' },
    count: { type: 'string', short: 'n', default: '20000' },
    window: { type: 'string', short: 'w', default: '100' },
    sessions: { type: 'string', short: 's', default: '1' },
    'no-receipts': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: smpp-bench [--host h] [--port p] [--system-id id] [--password pw] [-n count] [-w window] [-s sessions] [--no-receipts]');
  process.exit(0);
}
const summary = await runBench({
  host: values.host!,
  port: Number(values.port),
  systemId: values['system-id']!,
  password: values.password!,
  count: Number(values.count),
  window: Number(values.window),
  sessions: Number(values.sessions),
  receipts: !values['no-receipts'],
});
console.log(JSON.stringify(summary));
