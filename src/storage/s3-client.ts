import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client configured from the standard AWS environment: AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL,
 * default credential chain.
 */
export function createS3Client(
  maxAttempts: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  return new S3Client({
    region: env.AWS_REGION || 'us-east-1',
    ...(endpoint !== undefined ? { endpoint, forcePathStyle: true } : {}),
    maxAttempts,
    retryMode: 'adaptive', // exponential backoff with jitter, plus client-side rate limiting on throttling
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 }, // ms; the defaults wait forever
  });
}
