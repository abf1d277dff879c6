import type { InEntry } from '@smsgw/contracts';
import { MCP_STAGES, POLICY_REASONS, type CountingChecks, type EffectivePolicy, type PolicyStageName, type RouteDecision } from '@smsgw/domain';
import { countItemOf, policyInputOf } from './mcp';
import { createCounter } from './policy-counting';
import type { PolicyKeys } from './policy-keys';
import { lookupFacts } from './policy-lookups';
import type { Redis } from '@smsgw/redis';

export type StageVerdict = 'pass' | 'reject' | 'defer' | 'skip';

export interface StageReport {
  stage: PolicyStageName;
  verdict: StageVerdict;
  /** Why: the rejection reason, `quiet-hours until <ISO time>`, `stage off` or `not reached`. */
  reason?: string;
  /** The rejection's code: the `err:` of the REJECTD receipt the client would get. */
  status?: number;
}

export interface PolicyExplanation {
  stages: StageReport[];
  /** Every stage passed and a route covers the destination: the message would go to `out:<pool>`. */
  allowed: boolean;
}

/**
 * The MCP's verdict on one message stage by stage, as the policy-worker would decide it now,
 * with nothing written: the same list lookups, the same stage checks (MCP_STAGES, which the
 * worker runs as one pipeline) and the same counting script in its dry mode — no cap, quota or
 * duplicate window is used up. The worker stops at the first stage that does not pass; here the
 * stages after it are `skip` (not reached), and a stage switched off is `skip` (stage off).
 */
export function createPolicyExplainer(redis: Redis, keys: PolicyKeys) {
  const count = createCounter(redis, keys);
  return async (m: InEntry, route: RouteDecision | null, policy: EffectivePolicy, now: number): Promise<PolicyExplanation> => {
    const [facts] = await lookupFacts(redis, keys, [{ sys: m.sys, src: m.src.norm, dst: m.dst.norm, policy }]);
    const ctx = { input: policyInputOf(m, route?.pool ?? null, policy, now), policy, facts: facts! };
    const stages: StageReport[] = [];
    let ended = false;
    let counting: CountingChecks | undefined;
    for (const s of MCP_STAGES) {
      if (ended) {
        stages.push({ stage: s.name, verdict: 'skip', reason: 'not reached' });
        continue;
      }
      const v = s.check(ctx);
      if (v.pass) {
        if (v.counting) counting = { ...counting, ...v.counting };
        stages.push(policy.stages[s.name as keyof EffectivePolicy['stages']] ? { stage: s.name, verdict: 'pass' } : { stage: s.name, verdict: 'skip', reason: 'stage off' });
        continue;
      }
      ended = true;
      stages.push(
        v.deferUntil !== undefined
          ? { stage: v.stage, verdict: 'defer', reason: `${v.reason} until ${new Date(v.deferUntil).toISOString()}`, status: v.code }
          : { stage: v.stage, verdict: 'reject', reason: v.reason, status: v.code },
      );
    }
    if (!ended && counting) {
      const [r] = await count([countItemOf(m, counting)], now, true);
      if (r && r !== 'pass') {
        // The counting checks run after every pure one: the stage their reason belongs to
        // rejects, and the stages after it were not reached.
        const at = stages.findIndex((s) => s.stage === POLICY_REASONS[r].stage);
        stages[at] = { stage: stages[at]!.stage, verdict: 'reject', reason: r, status: POLICY_REASONS[r].code };
        for (let i = at + 1; i < stages.length; i++) stages[i] = { stage: stages[i]!.stage, verdict: 'skip', reason: 'not reached' };
        ended = true;
      }
    }
    if (ended) stages.push({ stage: 'routing', verdict: 'skip', reason: 'not reached' });
    else if (route) stages.push({ stage: 'routing', verdict: 'pass' });
    else stages.push({ stage: 'routing', verdict: 'reject', reason: 'no-route', status: POLICY_REASONS['no-route'].code });
    return { stages, allowed: !ended && route !== null };
  };
}

export type PolicyExplainer = ReturnType<typeof createPolicyExplainer>;
