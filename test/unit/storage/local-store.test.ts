import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalStore } from '../../../src/storage/local-store.js';
import { listAll } from '../../../src/storage/object-store.js';
import { NotFoundError, PreconditionFailedError, StorageError } from '../../../src/storage/storage-error.js';
import { describeObjectStoreContract } from '../../helpers/object-store-contract.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function freshStore(): Promise<LocalStore> {
  const root = await mkdtemp(path.join(tmpdir(), 'local-store-'));
  roots.push(root);
  return new LocalStore(root);
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describeObjectStoreContract('LocalStore', freshStore);

describe('LocalStore', () => {
  it('describes itself by its absolute root', async () => {
    const store = await freshStore();
    assert.ok(path.isAbsolute(store.root));
    assert.equal(store.description, `file://${store.root}`);
  });

  it('rejects every kind of unsafe key on every operation, naming the key', async () => {
    const store = await freshStore();
    const unsafe: [string, string][] = [
      ['', 'is empty'], ['/etc/passwd', 'is absolute'], ['..', "has a '..' segment"], ['a/../../b', "has a '..' segment"],
      ['.', "has a '.' segment"], ['a/./b', "has a '.' segment"], ['a//b', 'has an empty segment'], ['a/', 'has an empty segment'],
      ['a\\b', 'contains a backslash'], ['..\\x', 'contains a backslash'], ['a\u0000b', 'contains a control character'],
      ['a\nb', 'contains a control character'], ['a\u007fb', 'contains a control character'], ['a/.tmp-1234', "starting with '.tmp-'"],
    ];
    for (const [key, reason] of unsafe) {
      const check = (e: unknown): boolean =>
        e instanceof StorageError && !(e instanceof NotFoundError) && !e.transient &&
        e.message.includes(JSON.stringify(key)) && e.message.includes(reason) && e.message.includes(store.description);
      await assert.rejects(store.put(key, utf8('x')), check, `put ${JSON.stringify(key)}`);
      await assert.rejects(store.get(key), check, `get ${JSON.stringify(key)}`);
      await assert.rejects(store.head(key), check, `head ${JSON.stringify(key)}`);
      await assert.rejects(store.getRange(key, 0, 1), check, `getRange ${JSON.stringify(key)}`);
      await assert.rejects(store.delete(key), check, `delete ${JSON.stringify(key)}`);
    }
    assert.deepEqual(await readdir(store.root), [], 'nothing was written');
  });

  it('rejects unsafe listing prefixes but accepts a partial last segment', async () => {
    const store = await freshStore();
    for (const prefix of ['/', '../', 'a/../', 'a//', './x', 'a\\b', 'a\u0001']) {
      await assert.rejects(store.listPage(prefix), (e) => e instanceof StorageError && e.message.includes(JSON.stringify(prefix)), prefix);
    }
    await store.put('..a/b', utf8('dots are fine inside a name'));
    assert.deepEqual((await listAll(store, '..')).map((o) => o.key), ['..a/b']);
    await assert.rejects(store.listPage('x', undefined, 0), /page size 0/);
  });

  it('ifNoneMatch: of 20 concurrent exclusive creates exactly one wins', async () => {
    const store = await freshStore();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.put('manifest/commit.json', utf8(`writer ${i}`), { ifNoneMatch: '*' })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.equal(winners.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof PreconditionFailedError, String(r.reason));
        assert.match((r.reason as Error).message, /manifest\/commit\.json already exists/);
      }
    }
    assert.deepEqual(await store.get('manifest/commit.json'), utf8(`writer ${winners[0]}`));
    assert.deepEqual(await readdir(path.join(store.root, 'manifest')), ['commit.json'], 'no temp files left behind');
    await assert.rejects(store.put('manifest/commit.json', utf8('late'), { ifNoneMatch: '*' }), PreconditionFailedError);
    await store.put('manifest/commit.json', utf8('plain put overwrites'));
    assert.deepEqual(await store.get('manifest/commit.json'), utf8('plain put overwrites'));
  });

  it('lists and paginates in UTF-8 byte order, also across directory boundaries', async () => {
    const store = await freshStore();
    // S3 order, which a per-directory walk gets wrong: 'b.e' < 'b/c' because '.' (0x2e) < '/' (0x2f); astral after U+FF21.
    const keys = ['p/a', 'p/b-x/y', 'p/b.e', 'p/b/c', 'p/b/d', 'p/b0', 'p/u/z', 'p/u/é', 'p/u/Ａ', 'p/u/😀'];
    for (const key of [...keys].reverse()) await store.put(key, utf8(key));
    assert.deepEqual((await listAll(store, 'p/')).map((o) => o.key), keys);
    for (const pageSize of [1, 2, 3]) {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await store.listPage('p/', token, pageSize);
        assert.ok(page.objects.length <= pageSize);
        seen.push(...page.objects.map((o) => o.key));
        token = page.nextToken;
      } while (token !== undefined);
      assert.deepEqual(seen, keys, `pageSize ${pageSize}`);
    }
    assert.deepEqual((await listAll(store, 'p/b')).map((o) => o.key), keys.slice(1, 6));
  });

  it('never lists temp files, even ones left by a crashed writer', async () => {
    const store = await freshStore();
    await store.put('t/a', utf8('a'));
    await writeFile(path.join(store.root, 't', '.tmp-deadbeef'), 'partial');
    await mkdir(path.join(store.root, '.tmp-dir'));
    await writeFile(path.join(store.root, '.tmp-dir', 'x'), 'x');
    assert.deepEqual((await listAll(store, '')).map((o) => o.key), ['t/a']);
    assert.deepEqual((await listAll(store, 't/.')).map((o) => o.key), []);
  });

  it('puts and deletes in the same directory concurrently without losing a put', async () => {
    const store = await freshStore();
    for (let round = 0; round < 20; round++) {
      await store.put('c/d/old', utf8('old'));
      await Promise.all([store.delete('c/d/old'), store.put('c/d/new', utf8(`new ${round}`))]);
      assert.deepEqual(await store.get('c/d/new'), utf8(`new ${round}`));
      await store.delete('c/d/new');
    }
    assert.deepEqual(await readdir(store.root), [], 'empty parents pruned');
  });

  it('wraps filesystem errors with the key, the store and the cause', async () => {
    const store = await freshStore();
    await store.put('f', utf8('a file'));
    await assert.rejects(store.put('f/child', utf8('x')), (e) =>
      e instanceof StorageError && !(e instanceof NotFoundError) && !e.transient &&
      e.message.startsWith("storage put failed for 'f/child' in " + store.description) && e.cause instanceof Error);
    await assert.rejects(store.get('f/child'), (e) => e instanceof NotFoundError && e.cause instanceof Error);
    assert.equal(await store.head('f/child'), undefined);
  });
});
