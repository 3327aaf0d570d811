/** Child-process entry that runs a real s3rver on 127.0.0.1 and prints `{"port": N}` once listening. */
import { createRequire } from 'node:module';

/** The part of the s3rver 3.7 API this script uses (the package ships no types). */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number; // 0 = any free port
  directory: string; // where buckets and objects are stored
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const directory = process.argv[2];
const bucket = process.argv[3] ?? 'telemetry';
if (directory === undefined) throw new Error('s3rver-process usage: s3rver-process.js <directory> [bucket]');

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

// The parent holds our stdin open: when it exits (even by a crash) stdin ends and so do we.
process.stdin.on('end', () => void server.close().finally(() => process.exit(0)));
process.stdin.resume();
process.on('SIGTERM', () => void server.close().finally(() => process.exit(0)));
