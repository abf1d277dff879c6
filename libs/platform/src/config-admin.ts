import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Roles of admin API tokens, weakest first: each may do what the ones before it may. */
export const ADMIN_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Shortest token `hashAdminToken` accepts: below it a token could be guessed, hash or not. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;

const TOKEN_HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * The `tokenHash` of an admin API token: `sha256:<hex>`. A fast hash is right here, unlike for
 * SMPP passwords (scrypt, password-hash.ts): API tokens are long random strings, not something
 * a person chose, so there is no small space of likely values to search; a leaked config gives
 * nothing a dictionary could recover, and each request hashes in microseconds.
 */
export function hashAdminToken(token: string): string {
  if (token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`an admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`);
  }
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

export const adminTokenSchema = z.strictObject({
  /** Who holds the token: the `who` of audit records and of the logs. */
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, '1 to 64 letters, digits, _ . @ -'),
  tokenHash: z.string().regex(TOKEN_HASH, 'sha256:<64 lower-case hex digits> of the token (`npx tsx tools/admin/src/main.ts hash-token`)'),
  role: z.enum(ADMIN_ROLES),
});

/**
 * `admin:` the admin API (apps/admin): where it listens and who may use it. No tokens: every
 * request but /livez, /readyz and /openapi.json is refused.
 */
export const adminConfigSchema = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(9106),
    tokens: z.array(adminTokenSchema).default([]),
  })
  .superRefine((a, ctx) => {
    const names = new Set<string>();
    const hashes = new Set<string>();
    a.tokens.forEach((t, i) => {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', message: `duplicate token name "${t.name}"`, path: ['tokens', i, 'name'] });
      // One token with two roles would make the role depend on the order of the list.
      if (hashes.has(t.tokenHash)) ctx.addIssue({ code: 'custom', message: 'the same token is listed twice', path: ['tokens', i, 'tokenHash'] });
      names.add(t.name);
      hashes.add(t.tokenHash);
    });
  });

export type AdminConfig = z.infer<typeof adminConfigSchema>;
export type AdminToken = z.infer<typeof adminTokenSchema>;
