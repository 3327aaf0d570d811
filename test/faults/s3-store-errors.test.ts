import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createS3Client } from '../../src/storage/s3-client.js';
import { listAll } from '../../src/storage/object-store.js';
import { S3Store } from '../../src/storage/s3-store.js';
import { NotFoundError, PreconditionFailedError, StorageError } from '../../src/storage/storage-error.js';

// A scripted HTTP server on 127.0.0.1 plays S3 failures that s3rver cannot produce.
process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKEFAKE';
process.env.AWS_SECRET_ACCESS_KEY = 'fake/secret+key';

/** One request the fake server received. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly bodyBytes: number;
}
// 'cut-body': headers and half of a 10-byte body, then the connection reset
type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang-up' | 'cut-body';

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let reply: (req: Seen) => Reply = () => ({ status: 200 });
const clients: { destroy(): void }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => {
      bodyBytes += c.length;
    });
    req.on('end', () => {
      const r: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes };
      seen.push(r);
      const out = reply(r);
      if (out === 'hang-up') {
        req.socket.destroy();
        return;
      }
      if (out === 'cut-body') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '10' });
        res.write('01234', () => req.socket.destroy());
        return;
      }
      res.writeHead(out.status, { 'content-type': 'application/xml', ...out.headers });
      res.end(r.method === 'HEAD' ? undefined : out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  for (const c of clients) c.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const s3Error = (code: string, message: string, extra = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>req-1</RequestId></Error>`;

function store(maxAttempts: number, endpointUrl = endpoint): S3Store {
  const client = createS3Client(maxAttempts, { AWS_ENDPOINT_URL: endpointUrl });
  clients.push(client);
  return new S3Store({ bucket: 'telemetry', prefix: 'raw', client });
}

/** Asserts a StorageError of the given transience whose message names the operation, the object and `status`. */
function storageError(transient: boolean, op: string, status: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof StorageError, String(e));
    assert.ok(!(e instanceof NotFoundError) && !(e instanceof PreconditionFailedError), e.message);
    assert.equal(e.transient, transient, e.message);
    assert.ok(e.message.startsWith(`storage s3 ${op} failed for s3://telemetry/raw/k.bin: HTTP ${status}`), e.message);
    for (const secret of ['AKIAFAKE', 'fake/secret', 'X-Amz-Signature=', 'Signature=']) {
      assert.ok(
        !e.message.includes(secret) && !JSON.stringify(e.cause, Object.getOwnPropertyNames(e.cause)).includes(secret),
        secret,
      );
    }
    return true;
  };
}

describe('S3Store error mapping and retries (scripted server)', () => {
  it('sends explicit ranges, ContentLength and If-None-Match; maps 412 to PreconditionFailedError', async () => {
    reply = (r) =>
      r.method === 'PUT'
        ? {
            status: 412,
            body: s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'),
          }
        : { status: 206, body: 'abcdefghij', headers: { 'content-range': 'bytes 10-19/100' } };
    const s = store(3);
    assert.deepEqual(await s.getRange('k.bin', 10, 20), new TextEncoder().encode('abcdefghij'));
    assert.equal(seen[0]?.headers.range, 'bytes=10-19');
    assert.equal(seen[0]?.url, '/telemetry/raw/k.bin?x-id=GetObject');
    await assert.rejects(s.put('k.bin', new Uint8Array(5), { ifNoneMatch: '*' }), PreconditionFailedError);
    assert.equal(seen.length, 2, '412 is not retried');
    assert.equal(seen[1]?.headers['if-none-match'], '*');
    assert.equal(seen[1]?.headers['content-length'], '5');
    assert.equal(seen[1]?.bodyBytes, 5);
  });

  it('a server that ignores Range still yields the asked bytes', async () => {
    reply = () => ({ status: 200, body: '0123456789' });
    assert.deepEqual(await store(1).getRange('k.bin', 2, 5), new TextEncoder().encode('234'));
  });

  it('trusts only a Content-Range that starts where asked (s3rver answers bytes=0-0 with everything)', async () => {
    reply = () => ({ status: 206, body: '0123456789', headers: { 'content-range': 'bytes 0-9/10' } });
    assert.deepEqual(await store(1).getRange('k.bin', 0, 1), new TextEncoder().encode('0'));
    reply = () => ({ status: 206, body: '56789', headers: { 'content-range': 'bytes 5-9/10' } });
    await assert.rejects(
      store(1).getRange('k.bin', 2, 4),
      (e) =>
        e instanceof StorageError && !e.transient && e.message.includes("got 'bytes 5-9/10' and 5 bytes for bytes=2-3"),
    );
  });

  it('refuses a 206 that holds less than asked of the object, or says no range, naming what was sent', async () => {
    reply = () => ({ status: 206, body: '01234', headers: { 'content-range': 'bytes 10-14/100' } });
    await assert.rejects(
      store(1).getRange('k.bin', 10, 20),
      (e) =>
        e instanceof StorageError &&
        !e.transient &&
        e.message.includes("got 'bytes 10-14/100' and 5 bytes for bytes=10-19 of s3://telemetry/raw/k.bin"),
    );
    reply = () => ({ status: 206, body: '0123456789' });
    await assert.rejects(store(1).getRange('k.bin', 10, 20), /got no Content-Range and 10 bytes for bytes=10-19/);
    // the object's end cuts the range: what there is, as S3 serves it
    reply = () => ({ status: 206, body: '56789', headers: { 'content-range': 'bytes 95-99/100' } });
    assert.deepEqual(await store(1).getRange('k.bin', 95, 105), new TextEncoder().encode('56789'));
  });

  it('sends a read again when its body is cut midway (the SDK retries requests, not body reads)', async () => {
    let n = 0;
    reply = () => (n++ === 0 ? 'cut-body' : { status: 200, body: '0123456789' });
    assert.deepEqual(await store(1).get('k.bin'), new TextEncoder().encode('0123456789'));
    assert.equal(seen.length, 2);
    reply = () => 'cut-body';
    await assert.rejects(store(1).get('k.bin'), (e) => e instanceof StorageError && e.transient);
    assert.equal(seen.length, 2 + 3, 'three reads, then a transient error');
  });

  it('refuses a listing that gives a key twice or a continuation token again (counted twice, or never ending)', async () => {
    const page = (keys: string[], next?: string): Reply => ({
      status: 200,
      body:
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Name>telemetry</Name><Prefix>raw/d/</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys>` +
        `<IsTruncated>${next !== undefined}</IsTruncated>` +
        keys
          .map(
            (k) =>
              `<Contents><Key>raw/d/${k}</Key><Size>7</Size><ETag>"e"</ETag>` +
              '<LastModified>2026-11-24T00:00:00.000Z</LastModified></Contents>',
          )
          .join('') +
        (next !== undefined ? `<NextContinuationToken>${next}</NextContinuationToken>` : '') +
        '</ListBucketResult>',
    });
    const token = (r: Seen) => new URL(r.url, 'http://x').searchParams.get('continuation-token');
    // each page repeats the previous page's last key
    reply = (r) => (token(r) === null ? page(['a.parquet', 'b.parquet'], 't1') : page(['b.parquet', 'c.parquet']));
    await assert.rejects(
      listAll(store(1), 'd/'),
      (e) => e instanceof StorageError && !e.transient && /gave key 'd\/b\.parquet' twice/.test(e.message),
    );
    reply = (r) => (token(r) === null ? page(['a.parquet'], 't1') : page([`${token(r)}.parquet`], 't1'));
    await assert.rejects(
      listAll(store(1), 'd/'),
      (e) => e instanceof StorageError && !e.transient && /gave continuation token 't1' again/.test(e.message),
    );
    reply = (r) => (token(r) === null ? page(['a.parquet'], 't1') : page(['b.parquet']));
    assert.deepEqual(
      (await listAll(store(1), 'd/')).map((o) => o.key),
      ['d/a.parquet', 'd/b.parquet'],
    );
  });

  it('refuses a truncated listing page without a continuation token (the rest of the day would go unread)', async () => {
    reply = () => ({
      status: 200,
      body:
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Name>telemetry</Name><Prefix>raw/d/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>' +
        '<IsTruncated>true</IsTruncated><Contents><Key>raw/d/a.parquet</Key><Size>7</Size><ETag>"e"</ETag>' +
        '<LastModified>2026-11-24T00:00:00.000Z</LastModified></Contents></ListBucketResult>',
    });
    await assert.rejects(
      store(1).listPage('d/'),
      (e) => e instanceof StorageError && !e.transient && /truncated page \(IsTruncated\) without a/.test(e.message),
    );
  });

  it('a get that expects the listed version sends If-Match; 412 (real S3 after a replace) is a transient "changed" error', async () => {
    reply = (r) =>
      r.method === 'HEAD'
        ? { status: 200, headers: { etag: '"bbbb"', 'content-length': '7' } }
        : {
            status: 412,
            body: s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold'),
          };
    await assert.rejects(
      store(3).get('k.bin', { expect: { size: 5, etag: 'aaaa' } }),
      (e) =>
        e instanceof StorageError &&
        e.transient &&
        e.message ===
          'storage object changed while being read: k.bin in s3://telemetry/raw was listed as size 5, etag aaaa, now size 7, etag bbbb',
    );
    assert.equal(seen[0]?.headers['if-match'], '"aaaa"');
    assert.equal(seen.filter((r) => r.method === 'GET').length, 1, '412 is not retried');
  });

  it('404 is NotFoundError for get, undefined for head', async () => {
    reply = () => ({ status: 404, body: s3Error('NoSuchKey', 'The specified key does not exist.') });
    await assert.rejects(
      store(3).get('k.bin'),
      (e) => e instanceof NotFoundError && e.message.includes('k.bin in s3://telemetry/raw'),
    );
    assert.equal(await store(3).head('k.bin'), undefined);
    assert.equal(seen.length, 2, '404 is not retried');
  });

  it('a missing bucket is a halt naming it, not a missing object (a query would print "no data")', async () => {
    reply = () => ({ status: 404, body: s3Error('NoSuchBucket', 'The specified bucket does not exist.') });
    for (const read of [() => store(3).get('k.bin'), () => store(3).getRange('k.bin', 0, 4)])
      await assert.rejects(read(), (e) => {
        assert.ok(e instanceof StorageError && !(e instanceof NotFoundError), String(e));
        assert.equal(e.transient, false);
        assert.match(e.message, /NoSuchBucket: the bucket telemetry does not exist at s3:\/\/telemetry\/raw/);
        return true;
      });
  });

  it('5xx is retried by the SDK up to maxAttempts, then transient', async () => {
    reply = () => ({ status: 500, body: s3Error('InternalError', 'We encountered an internal error.') });
    await assert.rejects(store(3).get('k.bin'), storageError(true, 'get', '500 InternalError'));
    assert.equal(seen.length, 3);
  });

  it('throttling (503 SlowDown, 429, 400 RequestTimeout) is transient', async () => {
    reply = () => ({ status: 503, body: s3Error('SlowDown', 'Please reduce your request rate.') });
    await assert.rejects(store(2).put('k.bin', new Uint8Array(3)), storageError(true, 'put', '503 SlowDown'));
    assert.equal(seen.length, 2, 'SlowDown is retried');
    reply = () => ({ status: 429, body: s3Error('TooManyRequests', 'Too many requests') });
    await assert.rejects(store(1).get('k.bin'), storageError(true, 'get', '429'));
    reply = () => ({
      status: 400,
      body: s3Error('RequestTimeout', 'Your socket connection to the server was not read from.'),
    });
    await assert.rejects(store(1).put('k.bin', new Uint8Array(3)), storageError(true, 'put', '400 RequestTimeout'));
  });

  it('501 NotImplemented (an endpoint without conditional writes) is a halt saying what the job needs', async () => {
    reply = () => ({ status: 501, body: s3Error('NotImplemented', 'A header you provided implies functionality.') });
    await assert.rejects(store(3).put('k.bin', new Uint8Array(3), { ifNoneMatch: '*' }), (e: unknown) => {
      assert.ok(storageError(false, 'put', '501 NotImplemented')(e));
      assert.match((e as Error).message, /the job needs conditional writes, If-None-Match: \*/);
      return true;
    });
    assert.equal(seen.length, 1, 'not retried');
  });

  it('lists a key ending in / that holds bytes as unlisted, and skips an empty one (a console folder marker)', async () => {
    const entry = (key: string, size: number): string =>
      `<Contents><Key>${key}</Key><Size>${size}</Size><ETag>"e"</ETag><LastModified>2026-11-24T00:00:00.000Z</LastModified></Contents>`;
    reply = () => ({
      status: 200,
      body:
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Name>telemetry</Name><Prefix>raw/d/</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>' +
        `<IsTruncated>false</IsTruncated>${entry('raw/d/', 0)}${entry('raw/d/a.parquet/', 5180)}${entry('raw/d/b.parquet', 7)}` +
        '</ListBucketResult>',
    });
    const page = await store(1).listPage('d/');
    assert.deepEqual(
      page.objects.map((o) => [o.key, o.size]),
      [['d/b.parquet', 7]],
    );
    assert.deepEqual(page.unlisted, [
      { key: 'd/a.parquet/', reason: "key ends with '/' and holds 5180 bytes: not addressable by this job" },
    ]);
  });

  it('4xx is not transient, not retried, and never echoes credentials', async () => {
    reply = () => ({ status: 403, body: s3Error('AccessDenied', 'Access Denied') });
    await assert.rejects(store(3).get('k.bin'), storageError(false, 'get', '403 AccessDenied'));
    assert.equal(seen.length, 1);
    reply = () => ({
      status: 403,
      body: s3Error(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
        '<AWSAccessKeyId>AKIAFAKEFAKEFAKEFAKE</AWSAccessKeyId><SignatureProvided>deadbeef</SignatureProvided>' +
          '<StringToSign>AWS4-HMAC-SHA256 X-Amz-Signature=deadbeef</StringToSign>',
      ),
    });
    await assert.rejects(store(3).delete('k.bin'), storageError(false, 'delete', '403 SignatureDoesNotMatch'));
  });

  it('network failures are transient: connection reset and connection refused', async () => {
    reply = () => 'hang-up';
    await assert.rejects(store(2).get('k.bin'), storageError(true, 'get', 'none'));
    assert.equal(seen.length, 2, 'a reset connection is retried');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      store(1, `http://127.0.0.1:${port}`).head('k.bin'),
      (e) => storageError(true, 'head', 'none')(e) && (e as Error).message.includes('ECONNREFUSED'),
    );
  });
});
