import type { Cluster, Redis } from 'ioredis';

/**
 * Defines a script whose number of keys varies per call (the caller passes it first, as EVALSHA
 * does). Such a command is kept out of auto-pipelining: ioredis groups an auto-pipelined custom
 * command by its first argument, here the key count, so on a Cluster calls for different slots
 * would share a pipeline and fail; sent on its own, the cluster client routes it by its keys.
 */
export function defineDynamicKeyCommand(redis: Redis | Cluster, name: string, lua: string): void {
  if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') return;
  redis.defineCommand(name, { lua });
  const ignored = (redis.options as { autoPipeliningIgnoredCommands?: string[] }).autoPipeliningIgnoredCommands;
  if (ignored && !ignored.includes(name)) ignored.push(name);
}
