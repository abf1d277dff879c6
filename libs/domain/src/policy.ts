/**
 * The MCP pipeline (registration → blacklist → business rules → authorization). Each stage
 * either passes the message or rejects it with a reason; the first rejection ends the run.
 * In this version every stage has no rules configured and passes (a fresh install delivers);
 * the rules themselves come with the MCP issue.
 */
export interface PolicyInput {
  sys: string;
  src: string;
  dst: string;
  dc: number;
}

export type PolicyVerdict = { pass: true } | { pass: false; stage: PolicyStageName; reason: string; code: number };

export type PolicyStageName = 'registration' | 'blacklist' | 'business-rules' | 'authorization' | 'routing';

export type PolicyStage = { name: PolicyStageName; check(input: PolicyInput): PolicyVerdict };

/** Reason codes carried in the rejection receipt's err: field and in the journal. */
export const POLICY_REASON_CODES = {
  'no-route': 0x101,
} as const;

export function createPolicyPipeline(stages: PolicyStage[]): (input: PolicyInput) => PolicyVerdict {
  return (input) => {
    for (const s of stages) {
      const v = s.check(input);
      if (!v.pass) return v;
    }
    return { pass: true };
  };
}

const passAll = (name: PolicyStageName): PolicyStage => ({ name, check: () => ({ pass: true }) });

/** The four stages in their order; none has rules yet. */
export function defaultPolicyStages(): PolicyStage[] {
  return [passAll('registration'), passAll('blacklist'), passAll('business-rules'), passAll('authorization')];
}
