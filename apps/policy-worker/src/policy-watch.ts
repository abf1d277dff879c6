import type { Logger, PolicyConfig } from '@smsgw/platform';
import { POLICY_POLL_MS, validatePolicy, type AppliedPolicy, type PolicyRollout } from '@smsgw/mcp';
import type { PolicySettingsHolder } from './policy-settings';

export interface PolicyWatchDeps {
  rollout: PolicyRollout;
  settings: PolicySettingsHolder;
  /** The config file's policy section (in force while Redis holds no version). */
  filePolicy: PolicyConfig;
  instance: string;
  logger: Logger;
  pollMs?: number;
  /** How often the applied version is reported even when it did not change (staleness shows a worker gone). */
  reportMs?: number;
  now?: () => number;
}

export interface PolicyWatch {
  /** The version in force here: 0 = the file's policy. */
  readonly version: number;
  /** SIGHUP read the file again: in force at once unless a Redis version wins over it. */
  fileReloaded(policy: PolicyConfig): 'applied' | 'overridden';
  close(): Promise<void>;
}

/**
 * Follows the policy versions operators publish (policy-rollout.ts in libs/mcp): one HGET of
 * the version every `pollMs`, the document read only when it changed. A version that does not
 * validate here (written by another release, or by hand) is refused and logged; the rules in
 * force stay. Resolves once the first read is done, so the consumer starts on the rules in force.
 */
export async function startPolicyWatch(deps: PolicyWatchDeps): Promise<PolicyWatch> {
  const pollMs = deps.pollMs ?? POLICY_POLL_MS;
  const reportMs = deps.reportMs ?? 5_000;
  const now = deps.now ?? Date.now;
  const { rollout, settings, logger } = deps;
  let filePolicy = deps.filePolicy;
  let applied = 0;
  let refused: { version: number; error: string } | undefined;
  let reportedAt = 0;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const report = async () => {
    const a: AppliedPolicy = { version: applied, at: now() };
    if (refused) Object.assign(a, { refused: refused.version, error: refused.error });
    await rollout.reportApplied(deps.instance, a);
    reportedAt = a.at;
  };

  const tick = async () => {
    let changed = false;
    try {
      const v = await rollout.version();
      if (v === 0 && applied !== 0) {
        settings.replace(filePolicy);
        applied = 0;
        refused = undefined;
        changed = true;
        logger.info('no policy version in Redis: the config file\'s policy is in force');
      } else if (v !== 0 && v !== applied && v !== refused?.version) {
        const doc = await rollout.get(v);
        const valid = doc ? validatePolicy(doc.policy) : { ok: false as const, issues: [`version ${v} is missing or unreadable`] };
        if (valid.ok) {
          settings.replace(valid.policy);
          logger.info({ version: v, was: applied, by: doc!.by }, 'policy version applied');
          applied = v;
          refused = undefined;
        } else {
          refused = { version: v, error: valid.issues.join('; ') };
          logger.error({ version: v, inForce: applied, reason: refused.error }, 'policy version refused; the rules in force stay');
        }
        changed = true;
      }
      if (changed || now() - reportedAt >= reportMs) await report();
      if (failing) logger.info('policy versions readable again');
      failing = false;
    } catch (err) {
      if (!failing) logger.warn({ err }, 'cannot read the policy version; the rules in force stay');
      failing = true;
    }
  };

  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(loop);
    }, pollMs);
  };

  await tick();
  loop();
  return {
    get version() {
      return applied;
    },
    fileReloaded(policy) {
      filePolicy = policy;
      if (applied !== 0) return 'overridden';
      settings.replace(policy);
      return 'applied';
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
