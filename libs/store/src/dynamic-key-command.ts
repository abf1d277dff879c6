import { createHash } from 'node:crypto';
import { Command, type Cluster, type Redis } from 'ioredis';

/**
 * Defines a script whose number of keys varies per call (the caller passes it first, as EVALSHA
 * does): `redis[name](numKeys, ...keys, ...args)`. These are the per-tick calls of the hot paths
 * (the state store's batch, lease claims, client receipts, counts, hand-offs), with tens to
 * hundreds of arguments each, so the call is made here rather than by ioredis' script command:
 * - ioredis builds each command's arguments with `Array.prototype.flat()`, about 60 ns per
 *   argument on Node 20 (a plain copy: 1 ns), and copies them once more for the script's SHA;
 *   here the command gets its final argument array once;
 * - it is sent on its own, never auto-pipelined: ioredis groups an auto-pipelined custom command
 *   by its first argument, here the key count, so on a Cluster calls for different slots would
 *   share a pipeline and fail; sent on its own, the cluster client routes it by its keys.
 * EVALSHA first; a server that does not know the script (NOSCRIPT: restarted, failed over,
 * SCRIPT FLUSH) gets the same call as EVAL once, which loads it. Arguments are strings, numbers
 * or Buffers, as for any ioredis command.
 */
export function defineDynamicKeyCommand(redis: Redis | Cluster, name: string, lua: string): void {
  const r = redis as unknown as Record<string, unknown>;
  if (typeof r[name] === 'function' && (r[name] as { smsgwScript?: boolean }).smsgwScript) return;
  redis.defineCommand(name, { lua });
  const ignored = (redis.options as { autoPipeliningIgnoredCommands?: string[] }).autoPipeliningIgnoredCommands;
  if (ignored && !ignored.includes(name)) ignored.push(name);
  const sha = createHash('sha1').update(lua).digest('hex');
  const call = (...args: unknown[]): Promise<unknown> =>
    send(redis, 'evalsha', sha, args).catch((err: unknown) => {
      if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      return send(redis, 'eval', lua, args);
    });
  (call as { smsgwScript?: boolean }).smsgwScript = true;
  r[name] = call;
}

/** One EVALSHA or EVAL with its arguments as they are (numbers as their text, Buffers as bytes). */
function send(redis: Redis | Cluster, name: 'evalsha' | 'eval', first: string, args: readonly unknown[]): Promise<unknown> {
  // An empty list keeps the constructor's flat() and argument checks to nothing; the arguments
  // are set after, in the form its writer takes (strings and Buffers).
  const command = new Command(name, [], { replyEncoding: 'utf8' });
  const all: Array<string | Buffer> = new Array(args.length + 1);
  all[0] = first;
  let buffers = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a === 'string') all[i + 1] = a;
    else if (Buffer.isBuffer(a)) {
      all[i + 1] = a;
      buffers = true;
    } else all[i + 1] = a === null || a === undefined ? '' : String(a);
  }
  command.args = all;
  if (buffers) (command as unknown as { bufferMode: boolean }).bufferMode = true;
  return redis.sendCommand(command) as Promise<unknown>;
}
