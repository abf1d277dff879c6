import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ClientConfig } from '@smsgw/platform';

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';

/** SMPP v3.4 §5.1.3 statuses used at bind. */
const ESME_RBINDFAIL = 0x0d;

export type BindResult = { ok: true; client: ClientConfig } | { ok: false; status: number; reason: string };

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Checks a bind against the configured clients. Unknown user and wrong password answer the
 * same status after the same work (a digest compare either way), so binds cannot enumerate
 * accounts (SMPP.md).
 */
export function createAuthenticator(clients: readonly ClientConfig[]): (systemId: string, password: string, mode: BindMode) => BindResult {
  const byId = new Map(clients.map((c) => [c.systemId, { client: c, pw: digest(c.password ?? randomUUID()) }]));
  const decoy = digest('\u0000no-such-client\u0000');
  return (systemId, password, mode) => {
    const entry = byId.get(systemId);
    const given = digest(password);
    const match = timingSafeEqual(given, entry ? entry.pw : decoy) && entry !== undefined;
    if (!match || !entry) return { ok: false, status: ESME_RBINDFAIL, reason: 'bad credentials' };
    if (!entry.client.bindTypes.includes(mode)) return { ok: false, status: ESME_RBINDFAIL, reason: `bind type ${mode} not allowed` };
    return { ok: true, client: entry.client };
  };
}
