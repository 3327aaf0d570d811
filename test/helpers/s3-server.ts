import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A running s3rver child process and how to reach it. */
export interface S3Server {
  readonly endpoint: string; // http://127.0.0.1:PORT
  readonly bucket: string; // the one bucket created at start
  readonly env: Record<string, string>; // AWS_* variables for a child process of ours that talks to this server
  stop(): Promise<void>;
}

const bucket = 'telemetry';
const startTimeoutMs = 15_000;
const script = fileURLToPath(new URL('./s3rver-process.js', import.meta.url));

/** Starts a real s3rver 3.7 in a child Node with --openssl-legacy-provider (paginated listing needs it on Node 20). */
export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, directory, bucket], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(directory, { recursive: true, force: true });
  };

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s3rver start timed out after ${startTimeoutMs} ms; stderr: ${stderr}`)),
        startTimeoutMs,
      );
      const lines = createInterface({ input: child.stdout });
      lines.once('line', (line) => {
        clearTimeout(timer);
        let parsed: { port?: unknown } = {};
        try {
          parsed = JSON.parse(line) as { port?: unknown };
        } catch {
          /* reported below */
        }
        if (typeof parsed.port === 'number') resolve(parsed.port);
        else reject(new Error(`s3rver start printed no port: ${line}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited before listening (code ${code}, signal ${signal}); stderr: ${stderr}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error('s3rver spawn failed', { cause: err }));
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const env = {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
    };
    return { endpoint, bucket, env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
