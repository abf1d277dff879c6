/**
 * A local token bucket (L1): `rate` tokens per second, at most `burst` saved. Tokens are
 * segments. take() returns how long the caller must wait before sending (0 = now); the tokens
 * are taken either way, so waiting callers queue in order. rate 0 = unlimited.
 */
export function createTokenBucket(rate: number, burst = Math.max(1, rate / 10), now: () => number = Date.now) {
  let tokens = burst;
  let last = now();
  return {
    take(n = 1): number {
      if (rate <= 0) return 0;
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) * rate) / 1000);
      last = t;
      tokens -= n;
      return tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / rate);
    },
  };
}

/** SMSC message ids come as decimal or hex, any case, with leading zeros: one key form. */
export function normaliseSmscMsgId(id: string): string {
  const t = id.trim().toLowerCase().replace(/^0+(?=.)/, '');
  return t;
}
