import { describe, expect, it } from 'vitest';
import { ADMIN_ERRORS, AdminError, codeOfStatus, errorBodySchema, type AdminErrorCode } from './errors';

describe('admin error codes', () => {
  it('every code has its own HTTP status and comes back from that status', () => {
    const codes = Object.keys(ADMIN_ERRORS) as AdminErrorCode[];
    expect(new Set(Object.values(ADMIN_ERRORS)).size).toBe(codes.length);
    for (const code of codes) {
      expect(codeOfStatus(ADMIN_ERRORS[code])).toBe(code);
      const err = new AdminError(code, 'x');
      expect(err.status).toBe(ADMIN_ERRORS[code]);
      expect(errorBodySchema.parse({ error: err.code, message: err.message })).toEqual({ error: code, message: 'x' });
    }
  });

  it('statuses Fastify answers by itself map to invalid_request (4xx) or internal (5xx)', () => {
    expect(codeOfStatus(413)).toBe('invalid_request');
    expect(codeOfStatus(415)).toBe('invalid_request');
    expect(codeOfStatus(502)).toBe('internal');
  });
});
