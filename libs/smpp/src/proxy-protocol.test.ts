import { describe, expect, it } from 'vitest';
import { parseProxyHeader, ProxyHeaderError } from './proxy-protocol';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const v2 = (verCmd: number, fam: number, body: Buffer) => {
  const h = Buffer.alloc(4);
  h[0] = verCmd;
  h[1] = fam;
  h.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIG, h, body]);
};

describe('PROXY protocol header', () => {
  it('reads v1 TCP4/TCP6 lines and says how long they were; UNKNOWN gives no address', () => {
    const line = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51000 2775\r\n');
    expect(parseProxyHeader(Buffer.concat([line, Buffer.from([0, 0, 0, 16])]))).toEqual({ address: '203.0.113.7', length: line.length });
    expect(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 51000 2775\r\n'))?.address).toBe('2001:db8::7');
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'))).toEqual({ address: undefined, length: 15 });
  });

  it('reads v2 PROXY over IPv4 and IPv6, skipping TLVs; LOCAL gives no address', () => {
    const v4 = Buffer.concat([Buffer.from([203, 0, 113, 7, 10, 0, 0, 1, 0xc7, 0x38, 0x0a, 0xd7]), Buffer.from([0x04, 0x00, 0x01, 0x2a])]); // + a TLV
    const h4 = v2(0x21, 0x11, v4);
    expect(parseProxyHeader(Buffer.concat([h4, Buffer.from('rest')]))).toEqual({ address: '203.0.113.7', length: h4.length });
    const v6 = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000007', 'hex').copy(v6, 0);
    expect(parseProxyHeader(v2(0x21, 0x21, v6))?.address).toBe('2001:db8:0:0:0:0:0:7');
    expect(parseProxyHeader(v2(0x20, 0x00, Buffer.alloc(0)))).toEqual({ address: undefined, length: 16 });
  });

  it('asks for more octets while a header is incomplete, at any cut', () => {
    const full = [Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51000 2775\r\n'), v2(0x21, 0x11, Buffer.from([203, 0, 113, 7, 10, 0, 0, 1, 0, 1, 0, 2]))];
    for (const h of full) {
      for (let cut = 0; cut < h.length; cut++) expect(parseProxyHeader(h.subarray(0, cut))).toBeNull();
      expect(parseProxyHeader(h)?.address).toBe('203.0.113.7');
    }
  });

  it('refuses what is not a PROXY header: an SMPP bind, a v1 line over 107 octets, a v2 of another version or with a huge body', () => {
    const bind = Buffer.from('0000002f00000009000000000000000161636d6500', 'hex');
    expect(() => parseProxyHeader(bind)).toThrow(ProxyHeaderError);
    expect(() => parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`))).toThrow(/107/);
    expect(() => parseProxyHeader(v2(0x31, 0x11, Buffer.alloc(12)))).toThrow(/version/);
    const huge = Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    expect(() => parseProxyHeader(huge)).toThrow(/octets/);
  });
});
