import { createPolicyResolver, type EffectivePolicy, type PolicySettings } from '@smsgw/domain';
import type { PolicyConfig } from '@smsgw/platform';

export interface PolicySettingsHolder {
  /** The resolver of the settings in force; a batch takes it once, so it never sees half a reload. */
  resolver(): (sys: string) => EffectivePolicy;
  replace(next: PolicyConfig): void;
}

export function createPolicySettings(initial: PolicyConfig): PolicySettingsHolder {
  let resolve = createPolicyResolver(initial as PolicySettings);
  return {
    resolver: () => resolve,
    replace(next) {
      resolve = createPolicyResolver(next as PolicySettings);
    },
  };
}
