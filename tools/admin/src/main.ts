import { parseArgs } from 'node:util';
import { loadConfig } from '@smsgw/platform';
import { createRedis } from '@smsgw/redis';
import { openStateStore } from '@smsgw/store';
import { describeMessage, findBySmscId, streamStatus } from './lookup';
import { hashTokenCommand } from './hash-token-command';

const USAGE = `smsgw-admin — look into a running gateway (reads the same config as the apps)

  npx tsx tools/admin/src/main.ts [--config gateway.yaml] message <uuid>
  npx tsx tools/admin/src/main.ts [--config gateway.yaml] smsc <smsc-id> <smsc-message-id>
  npx tsx tools/admin/src/main.ts [--config gateway.yaml] streams
  printf %s "$TOKEN" | npx tsx tools/admin/src/main.ts hash-token
  npx tsx tools/admin/src/main.ts hash-token --new

message  the state-store record of a message: state, transitions in time order, parts with their SMSC ids
smsc     the message an SMSC message id belongs to (as in a receipt or an operator's report)
streams  length, pending and lag of every stream (is a stage behind? is a client not collecting receipts?)
hash-token  the admin.tokens[].tokenHash of an admin API token (stdin); --new makes a random token too
The full event history of a message is in the S3 journals (docs/journals.md).`;

const { values, positionals } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean' }, new: { type: 'boolean' } }, allowPositionals: true });
if (values.help || !positionals.length) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
if (positionals[0] === 'hash-token') {
  // Needs no config and no Redis.
  const res = await hashTokenCommand({ new: values.new }, async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  });
  if (res.stdout) console.log(res.stdout);
  if (res.stderr) console.error(res.stderr);
  process.exit(res.code);
}
const config = loadConfig({ path: values.config ?? process.env.GATEWAY_CONFIG, env: process.env });
const redis = createRedis(config.redis, { name: 'smsgw-admin' });
const store = await openStateStore(config.state, redis, config.redis.prefix);
let code = 0;
try {
  const [cmd, a, b] = positionals;
  if (cmd === 'message' && a) {
    const rec = await store.get(a);
    if (rec) console.log(JSON.stringify(describeMessage(rec), null, 2));
    else (console.error(`no message ${a}`), (code = 1));
  } else if (cmd === 'smsc' && a && b) {
    const corr = await findBySmscId(store, config, a, b);
    const rec = corr ? await store.get(corr.id) : null;
    if (corr) console.log(JSON.stringify({ correlation: corr, message: rec ? describeMessage(rec) : null }, null, 2));
    else (console.error(`no message has SMSC id ${b} at ${a}`), (code = 1));
  } else if (cmd === 'streams') {
    console.table(await streamStatus(redis, config));
  } else {
    console.error(USAGE);
    code = 2;
  }
} finally {
  await store.close();
  redis.disconnect();
}
process.exit(code);
