import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LocalStore } from '../../../src/storage/local-store.js';
import { openStore, StoreLocationError } from '../../../src/storage/open-store.js';
import { S3Store } from '../../../src/storage/s3-store.js';

describe('openStore', () => {
  it('opens s3:// locations as S3Store with a normalized prefix', () => {
    const cases: [string, string, string, string][] = [
      ['s3://telemetry/raw/v1', 'telemetry', 'raw/v1', 's3://telemetry/raw/v1'],
      ['s3://telemetry/raw/', 'telemetry', 'raw', 's3://telemetry/raw'],
      ['s3://telemetry', 'telemetry', '', 's3://telemetry'],
      ['s3://telemetry/', 'telemetry', '', 's3://telemetry'],
      ['S3://my.bucket-1/dt=2026', 'my.bucket-1', 'dt=2026', 's3://my.bucket-1/dt=2026'],
      ['s3://abc/%2e%2e', 'abc', '%2e%2e', 's3://abc/%2e%2e'], // S3 keys are literal: no percent-decoding
    ];
    for (const [location, bucket, prefix, description] of cases) {
      const store = openStore(location);
      assert.ok(store instanceof S3Store, location);
      assert.equal(store.bucket, bucket);
      assert.equal(store.prefix, prefix);
      assert.equal(store.description, description);
    }
  });

  it('opens file URLs and plain paths as LocalStore', () => {
    const cases: [string, string][] = [
      ['file:///var/lib/telemetry', '/var/lib/telemetry'],
      ['file:///var/lib/telemetry/', '/var/lib/telemetry'],
      ['FILE://localhost/srv/data', '/srv/data'],
      ['file:///tmp/with%20space', '/tmp/with space'],
      ['/abs/path', '/abs/path'],
      ['relative/dir', path.resolve(process.cwd(), 'relative/dir')],
      ['./data', path.resolve(process.cwd(), 'data')],
      ['../sibling', path.resolve(process.cwd(), '../sibling')],
      ['dir with@sign#1', path.resolve(process.cwd(), 'dir with@sign#1')],
    ];
    for (const [location, root] of cases) {
      const store = openStore(location);
      assert.ok(store instanceof LocalStore, location);
      assert.equal(store.root, root, location);
      assert.ok(store.description.startsWith('file:///'), store.description);
      assert.equal(
        (openStore(store.description) as LocalStore).root,
        root,
        `${location}: its description opens it again`,
      );
    }
  });

  it('refuses bad locations with a clear error that hides credentials', () => {
    const cases: [string, RegExp][] = [
      ['', /is empty/],
      ['s3://AKIAABCDEFGHIJKLMNOP:se/cr+et@telemetry/raw', /has '@'/],
      ['s3://user:hunter2@telemetry/raw', /has '@'/],
      ['file://user:hunter2@localhost/tmp', /has '@'/],
      ['s3://telemetry/raw?X-Amz-Signature=abc123', /has a query string/],
      ['file:///tmp/x?token=abc123', /has a query string/],
      ['s3://telemetry/raw#hunter2', /has a fragment/],
      ['http://127.0.0.1:9000/telemetry', /unsupported scheme 'http:'/],
      ['https://telemetry.s3.amazonaws.com/raw', /unsupported scheme 'https:'/],
      ['ftp://host/dir', /unsupported scheme 'ftp:'/],
      ['gs://telemetry/raw', /unsupported scheme 'gs:'/],
      ['C:\\data', /unsupported scheme 'c:'/],
      ['s3:telemetry/raw', /must start with 's3:\/\/'/],
      ['s3:///raw', /invalid S3 bucket name '': must be 3 to 63/],
      ['s3://ab/raw', /invalid S3 bucket name 'ab'/],
      ['s3://Telemetry/raw', /invalid S3 bucket name 'Telemetry': only lowercase/],
      ['s3://tele_metry/raw', /invalid S3 bucket name/],
      ['s3://-telemetry/raw', /invalid S3 bucket name/],
      ['s3://tele..metry/raw', /two adjacent dots/],
      ['s3://192.168.1.10/raw', /IP address/],
      ['s3://xn--telemetry/raw', /reserved prefix/],
      [`s3://${'a'.repeat(64)}/raw`, /3 to 63/],
      ['s3://telemetry/raw/../secret', /has a '\.\.' path segment/],
      ['s3://telemetry/./raw', /has a '\.' path segment/],
      ['s3://telemetry/raw//x', /empty path segment/],
      ['s3://telemetry/raw\\x', /backslash/],
      ['s3://telemetry/raw\nx', /control character/],
      ['s3://telemetry/raw\u0000', /control character/],
      ['file:///tmp/../etc', /has a '\.\.' path segment/],
      ['file:///tmp/%2e%2e/etc', /encoded '\.' or '\.\.'/],
      ['file://fileserver/share', /names host 'fileserver'/],
      ['file:///tmp/a%2Fb', /not a valid file URL/],
      ['data\\dir', /backslash/],
      ['data\u0007', /control character/],
    ];
    for (const [location, reason] of cases) {
      assert.throws(
        () => openStore(location),
        (e: unknown) => {
          assert.ok(e instanceof StoreLocationError, `${JSON.stringify(location)}: ${String(e)}`);
          assert.equal(e.name, 'StoreLocationError');
          assert.match(e.message, /^storage location "/);
          assert.match(e.message, reason, location);
          for (const secret of ['hunter2', 'AKIAABCDEFGHIJKLMNOP', 'cr+et', 'abc123'])
            assert.ok(!e.message.includes(secret), e.message);
          return true;
        },
      );
    }
  });
});
