import { createPolicyResolver, type EffectivePolicy, type PolicySettings } from '@smsgw/domain';
import type { PolicyConfig } from '@smsgw/platform';

export interface PolicySettingsHolder {
  /** The resolver of the settings in force; a batch takes it once, so it never sees half a reload. */
  resolver(): (sys: string) => EffectivePolicy;
  /** The settings in force, as the admin API shows them (the admin token left out). */
  shown(): unknown;
  replace(next: PolicyConfig): void;
}

export function createPolicySettings(initial: PolicyConfig): PolicySettingsHolder {
  let config = initial;
  let resolve = createPolicyResolver(initial as PolicySettings);
  return {
    resolver: () => resolve,
    shown: () => {
      const { admin, ...rest } = config;
      return { ...rest, admin: { host: admin.host, port: admin.port, token: admin.token ? '(set)' : '(none)' } };
    },
    replace(next) {
      config = next;
      resolve = createPolicyResolver(next as PolicySettings);
    },
  };
}
