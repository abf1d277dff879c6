import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbeddedS3Options {
  /** Where objects are stored (kept after close). */
  dir: string;
  /** 0 = a free port chosen by the OS. */
  port?: number;
  host?: string;
}

export interface EmbeddedS3 {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Credentials to configure the S3 client with; the embedded server accepts any. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

// s3rver is CommonJS without typings; require() keeps it out of the ESM interop guesswork.
const require = createRequire(import.meta.url);

/**
 * An S3-compatible server in this process (s3rver, file-backed), for the embedded setup and
 * tests. Not for production: no durability beyond the local disk, no auth.
 */
export async function startEmbeddedS3(opts: EmbeddedS3Options): Promise<EmbeddedS3> {
  const S3rver = require('s3rver') as S3rverCtor;
  const host = opts.host ?? '127.0.0.1';
  const server = new S3rver({
    address: host,
    port: opts.port ?? 0,
    directory: opts.dir,
    silent: true,
    // Local dev store: clients may use any credentials; signatures are not checked.
    allowMismatchedSignatures: true,
    // The data outlives a restart, like a real bucket would.
    resetOnClose: false,
    // Path-style only: a `bucket.127.0.0.1` host would never resolve.
    vhostBuckets: false,
  });
  const addr = await server.run();
  let closed = false;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    port: addr.port,
    async close() {
      if (closed) return;
      closed = true;
      // The SDK keeps sockets alive; without this, close() waits for them to idle out.
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
