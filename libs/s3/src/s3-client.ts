import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface S3ClientOptions {
  /** e.g. http://127.0.0.1:4568 for an S3-compatible store; absent = AWS. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (`host/bucket/key`), needed by most S3-compatible stores. */
  forcePathStyle?: boolean;
  /** Bound of one HTTP request, response included (default 10 s). */
  requestTimeoutMs?: number;
  /** Attempts per call, the first included (default 3). */
  maxAttempts?: number;
  /**
   * Checksum headers on every request (the SDK default since 2025) are not understood by every
   * S3-compatible store; 'WHEN_REQUIRED' (default here) sends them only where S3 demands them.
   */
  checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
}

export function createS3Client(opts: S3ClientOptions): S3Client {
  const requestTimeout = opts.requestTimeoutMs ?? 10_000;
  const checksums = opts.checksums ?? 'WHEN_REQUIRED';
  return new S3Client({
    region: opts.region,
    ...(opts.endpoint !== undefined && { endpoint: opts.endpoint }),
    forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
    ...(opts.accessKeyId !== undefined &&
      opts.secretAccessKey !== undefined && {
        credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      }),
    maxAttempts: opts.maxAttempts ?? 3,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(requestTimeout, 5_000),
      requestTimeout,
      // Without this the handler only logs a breached requestTimeout and keeps waiting.
      throwOnRequestTimeout: true,
    }),
  });
}
