import { z } from 'zod';

/**
 * The stable error codes of the admin API and their HTTP status: clients branch on `error`,
 * never on the message (fastify lib/errors.js keeps one table the same way).
 */
export const ADMIN_ERRORS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
  not_ready: 503,
} as const;
export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

const CODES = Object.keys(ADMIN_ERRORS) as [AdminErrorCode, ...AdminErrorCode[]];

/** Every error answer: `{ error, message }`. */
export const errorBodySchema = z.object({ error: z.enum(CODES), message: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;

export class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return ADMIN_ERRORS[this.code];
  }
}

/** The code of a status Fastify itself answered with (unknown route, malformed JSON, too large…). */
export function codeOfStatus(status: number): AdminErrorCode {
  const known = CODES.find((c) => ADMIN_ERRORS[c] === status);
  if (known) return known;
  return status >= 400 && status < 500 ? 'invalid_request' : 'internal';
}
