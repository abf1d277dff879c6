export { createS3Client, type S3ClientOptions } from './s3-client';
export {
  createJournalSink,
  ensureBuckets,
  journalObjectKey,
  statsObjectKey,
  toNdjson,
  type JournalBucket,
  type JournalRange,
  type JournalSink,
  type JournalSinkOptions,
} from './journal-sink';
export { startEmbeddedS3, EMBEDDED_S3_CREDENTIALS, type EmbeddedS3, type EmbeddedS3Options } from './embedded-s3';
