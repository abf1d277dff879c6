import { describe, expect, it } from 'vitest';
import { clientSchema } from '@smsgw/platform';
import { createAuthenticator } from './bind-auth';

describe('bind authentication', () => {
  const auth = createAuthenticator([
    clientSchema.parse({ systemId: 'acme', password: 'pw1' }),
    clientSchema.parse({ systemId: 'txonly', password: 'pw2', bindTypes: ['transmitter'] }),
  ]);
  it('accepts the right password', () => {
    expect(auth('acme', 'pw1', 'transceiver')).toMatchObject({ ok: true, client: { systemId: 'acme' } });
  });
  it('answers unknown user and wrong password with the same ESME_RBINDFAIL', () => {
    expect(auth('acme', 'nope', 'transceiver')).toEqual({ ok: false, status: 0x0d, reason: 'bad credentials' });
    expect(auth('ghost', 'pw1', 'transceiver')).toEqual({ ok: false, status: 0x0d, reason: 'bad credentials' });
  });
  it('refuses a bind type the client may not use', () => {
    expect(auth('txonly', 'pw2', 'receiver')).toMatchObject({ ok: false, status: 0x0d });
    expect(auth('txonly', 'pw2', 'transmitter').ok).toBe(true);
  });
});
