import { z } from 'zod';

const ms = z.number().int().min(0);

/**
 * The `journal:` section (journal-exporter). Extends the first version compatibly: every new
 * field is optional or defaulted, so existing config files stay valid.
 */
export const journalConfigSchema = z
  .strictObject({
    /** Freshness bound: a batch older than this is uploaded even when small. */
    maxAgeMs: ms.min(100).default(60_000),
    maxRecords: z.number().int().min(1).default(20_000),
    maxBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
    /** Name in object keys; default: the process instance name. */
    instance: z.string().optional(),
    /**
     * Entries pending this long on another (dead or stuck) exporter are taken over. Safe at any
     * value (batch ownership is fenced in Redis); too low only wastes uploads. Default:
     * max(streams.claimIdleMs, 2 × maxAgeMs + 30 s).
     */
    claimIdleMs: ms.min(100).optional(),
    /** Backoff of a failed upload: doubles from min to max while S3 is away. */
    retryMinMs: ms.min(10).default(500),
    retryMaxMs: ms.min(10).default(30_000),
    /**
     * Journal stream entries not yet exported (e.g. while S3 is away) above which ingress answers
     * ESME_RMSGQFUL rather than drop journal records. An entry holds one read batch's records
     * (up to a few hundred); size it for hours at your traffic.
     */
    maxBacklog: z.number().int().min(1).default(50_000),
    /** Statistics snapshot period in minutes (`proxy/stats/…`); 0 turns snapshots off. */
    statsEveryMinutes: z.number().int().min(0).max(1_440).default(5),
    /** Records of a period may arrive this long after its end; its snapshot is written after. */
    statsGraceMs: ms.default(60_000),
    /**
     * Every app writes a snapshot of its metrics (what /metrics shows) to the journal this often;
     * the exporter puts them under `metrics/v1/…` in the proxy bucket. 0 turns it off.
     */
    metricsEveryMs: z.union([z.literal(0), ms.min(1_000)]).default(60_000),
  })
  .refine((j) => j.retryMaxMs >= j.retryMinMs, { message: 'journal.retryMaxMs must be ≥ retryMinMs', path: ['retryMaxMs'] })
  .refine((j) => j.statsEveryMinutes === 0 || 1_440 % j.statsEveryMinutes === 0, {
    message: 'journal.statsEveryMinutes must divide a day (1, 2, 3, 5, 10, 15, 30, 60, …)',
    path: ['statsEveryMinutes'],
  });

export type JournalConfig = z.infer<typeof journalConfigSchema>;
