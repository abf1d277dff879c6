import { z } from 'zod';
import { ADMIN_ROLES } from '@smsgw/platform';
import type { AdminApp } from '../admin-server';

/** The caller as the API sees it: which configured token, which role. */
export function registerWhoamiRoute(app: AdminApp): void {
  app.get(
    '/v1/whoami',
    {
      config: { access: 'viewer' },
      schema: { summary: 'The token in use: its name and role', tags: ['access'], response: { 200: z.object({ name: z.string(), role: z.enum(ADMIN_ROLES) }) } },
    },
    async (req) => ({ name: req.principal!.name, role: req.principal!.role }),
  );
}
