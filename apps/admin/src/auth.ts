import { createHash, timingSafeEqual } from 'node:crypto';
import { ADMIN_ROLES, type AdminRole, type AdminToken } from '@smsgw/platform';

/** Who is calling: the configured token's name and role. */
export interface Principal {
  name: string;
  role: AdminRole;
}

/** What a route asks for: no token at all (probes, the OpenAPI document), or a role or above. */
export type Access = AdminRole | 'public';

/** Whether `have` may do what `need` may (viewer < operator < admin). */
export function roleAtLeast(have: AdminRole, need: AdminRole): boolean {
  return ADMIN_ROLES.indexOf(have) >= ADMIN_ROLES.indexOf(need);
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The principal of an `Authorization: Bearer <token>` header, or undefined. sha256 of the
 * presented token is compared with every configured hash in constant time, and the loop never
 * stops early, so the answer time says nothing about which token or how much of it matched.
 */
export function createTokenVerifier(tokens: readonly AdminToken[]): (authorization: string | undefined) => Principal | undefined {
  const known = tokens.map((t) => ({ name: t.name, role: t.role, digest: Buffer.from(t.tokenHash.slice('sha256:'.length), 'hex') }));
  return (authorization) => {
    const m = /^Bearer +([^\s]+) *$/i.exec(authorization ?? '');
    const got = sha256(m?.[1] ?? '');
    let found: Principal | undefined;
    for (const k of known) {
      if (timingSafeEqual(got, k.digest) && m && !found) found = { name: k.name, role: k.role };
    }
    return found;
  };
}
