import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startSmscSim, type SmscSimOptions } from '@smsgw/testing';

const USAGE = `smsc-sim — an SMPP v3.4 SMSC simulator

Usage: tsx tools/smsc-sim/src/main.ts [options]

  --host <addr>              listen address (default 0.0.0.0)
  --port <n>                 listen port (default 2775, 0 = random)
  --system-id <id>           accept only this system_id (default: any)
  --password <pw>            accept only this password (default: any)
  --receipt-delay-ms <n>     delay before each delivery receipt (default 50)
  --no-receipts              never send delivery receipts
  --receipt-before-resp      send the receipt before the submit_sm_resp
  --receipts-as <cmd>        deliver_sm | data_sm: the command receipts come in (default deliver_sm)
  --throttle <n>             answer ESME_RTHROTTLED (0x58) above n submits/s (default: never)
  --error-rate <f>           fraction 0..1 answered ESME_RSUBMITFAIL (0x45) (default 0)
  --id-format <hex|dec>      message_id format (default hex)
  --window <n>               max outstanding deliver_sm per session (default 10)
  --record                   keep accepted submits in memory (default off here)
  --log-level <level>        pino level (default info)
  -h, --help                 print this help

Runs until SIGINT/SIGTERM, then prints the counters as one JSON line on stdout.`;

function fail(msg: string): never {
  process.stderr.write(`smsc-sim: ${msg}\n\n${USAGE}\n`);
  process.exit(2);
}

function num(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) fail(`--${name} must be a number in ${min}..${max}, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'system-id': { type: 'string' },
        password: { type: 'string' },
        'receipt-delay-ms': { type: 'string' },
        'no-receipts': { type: 'boolean' },
        'receipt-before-resp': { type: 'boolean' },
        'receipts-as': { type: 'string' },
        throttle: { type: 'string' },
        'error-rate': { type: 'string' },
        'id-format': { type: 'string' },
        window: { type: 'string' },
        record: { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const idFormat = values['id-format'] ?? 'hex';
  if (idFormat !== 'hex' && idFormat !== 'dec') fail(`--id-format must be hex or dec, got "${idFormat}"`);
  const receiptsAs = values['receipts-as'] ?? 'deliver_sm';
  if (receiptsAs !== 'deliver_sm' && receiptsAs !== 'data_sm') fail(`--receipts-as must be deliver_sm or data_sm, got "${receiptsAs}"`);

  const logger = pino({ level: values['log-level'] ?? 'info', base: { app: 'smsc-sim' } }, pino.destination(2));
  const opts: SmscSimOptions = {
    host: values.host ?? '0.0.0.0',
    port: num('port', values.port, 0, 65535) ?? 2775,
    systemId: values['system-id'],
    password: values.password,
    receiptDelayMs: num('receipt-delay-ms', values['receipt-delay-ms'], 0, 86_400_000),
    receipts: !values['no-receipts'],
    receiptBeforeResp: values['receipt-before-resp'] ?? false,
    receiptsAs,
    throttleAbovePerSec: num('throttle', values.throttle, 0, 1e9),
    errorRate: num('error-rate', values['error-rate'], 0, 1),
    idFormat,
    window: num('window', values.window, 1, 100_000),
    record: values.record ?? false,
    logger,
  };
  const sim = await startSmscSim(opts);
  logger.info({ host: sim.host, port: sim.port }, 'smsc-sim listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1); // a second signal: do not wait any longer
    stopping = true;
    logger.info({ signal }, 'smsc-sim stopping');
    const deadline = setTimeout(() => process.exit(1), 5_000);
    deadline.unref();
    await sim.close();
    process.stdout.write(`${JSON.stringify({ port: sim.port, ...sim.stats })}\n`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`smsc-sim: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
