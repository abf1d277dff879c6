import type { PolicyConfig } from '@smsgw/platform';
import { validatePolicy, type PolicyRollout } from '@smsgw/mcp';
import { AdminError } from './errors';

/** The MCP rules the policy-workers apply: the latest version set in Redis, else the config file's. */
export interface PolicyInForce {
  source: 'file' | 'redis';
  /** 0 for the file's rules. */
  version: number;
  by: string | null;
  at: number | null;
  /** As it was set (durations as written), or the file's section as loaded. */
  policy: unknown;
  rollbackOf?: number;
}

export async function policyInForce(rollout: PolicyRollout, filePolicy: PolicyConfig): Promise<PolicyInForce> {
  const cur = await rollout.current();
  if (!cur) return { source: 'file', version: 0, by: null, at: null, policy: filePolicy };
  return { source: 'redis', version: cur.version, by: cur.by, at: cur.at, policy: cur.policy, ...(cur.rollbackOf !== undefined ? { rollbackOf: cur.rollbackOf } : {}) };
}

/** The rules in force, validated as a policy-worker would before applying them. */
export function validatedPolicy(p: PolicyInForce): PolicyConfig {
  if (p.source === 'file') return p.policy as PolicyConfig;
  const valid = validatePolicy(p.policy);
  // Not written by this API (by hand, or by another release): the workers refuse it as well.
  if (!valid.ok) throw new AdminError('conflict', `policy version ${p.version} in Redis does not validate (${valid.issues.join('; ')}): set a valid one`);
  return valid.policy;
}
