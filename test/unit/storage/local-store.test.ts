import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalStore } from '../../../src/storage/local-store.js';
import { openStore } from '../../../src/storage/open-store.js';
import { listAll, listInventory } from '../../../src/storage/object-store.js';
import {
  NotFoundError,
  ObjectChangedError,
  PreconditionFailedError,
  StorageError,
} from '../../../src/storage/storage-error.js';
import { describeObjectStoreContract } from '../../helpers/object-store-contract.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function freshStore(syncReads = false): Promise<LocalStore> {
  const root = await mkdtemp(path.join(tmpdir(), 'local-store-'));
  roots.push(root);
  return new LocalStore(root, { syncReads });
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describeObjectStoreContract('LocalStore', () => freshStore());
// one-shot commands read by blocking system calls: the same contract, the same errors
describeObjectStoreContract('LocalStore (sync reads)', () => freshStore(true));

for (const syncReads of [false, true])
  describe(`LocalStore${syncReads ? ' (sync reads)' : ''}`, () => {
    it('describes itself by its absolute root', async () => {
      const store = await freshStore(syncReads);
      assert.ok(path.isAbsolute(store.root));
      assert.equal(store.description, `file://${store.root}`);
    });

    it("describes a root with '#', '%', '@' or a space as a file URL that opens that root again", () => {
      const root = path.join(tmpdir(), 'a#b %41 c@d');
      const store = new LocalStore(root, { syncReads });
      assert.equal(store.description, `file://${path.join(tmpdir(), 'a%23b%20%2541%20c%40d')}`);
      assert.equal((openStore(store.description) as LocalStore).root, root);
    });

    it('rejects every kind of unsafe key on every operation, naming the key', async () => {
      const store = await freshStore(syncReads);
      const unsafe: [string, string][] = [
        ['', 'is empty'],
        ['/etc/passwd', 'is absolute'],
        ['..', "has a '..' segment"],
        ['a/../../b', "has a '..' segment"],
        ['.', "has a '.' segment"],
        ['a/./b', "has a '.' segment"],
        ['a//b', 'has an empty segment'],
        ['a/', 'has an empty segment'],
        ['a\\b', 'contains a backslash'],
        ['..\\x', 'contains a backslash'],
        ['a\u0000b', 'contains a control character'],
        ['a\nb', 'contains a control character'],
        ['a\u007fb', 'contains a control character'],
        ['a/.tmp-1234', "starting with '.tmp-'"],
      ];
      for (const [key, reason] of unsafe) {
        const check = (e: unknown): boolean =>
          e instanceof StorageError &&
          !(e instanceof NotFoundError) &&
          !e.transient &&
          e.message.includes(JSON.stringify(key)) &&
          e.message.includes(reason) &&
          e.message.includes(store.description);
        await assert.rejects(store.put(key, utf8('x')), check, `put ${JSON.stringify(key)}`);
        await assert.rejects(store.get(key), check, `get ${JSON.stringify(key)}`);
        await assert.rejects(store.head(key), check, `head ${JSON.stringify(key)}`);
        await assert.rejects(store.getRange(key, 0, 1), check, `getRange ${JSON.stringify(key)}`);
        await assert.rejects(store.delete(key), check, `delete ${JSON.stringify(key)}`);
      }
      assert.deepEqual(await readdir(store.root), [], 'nothing was written');
    });

    it('rejects unsafe listing prefixes but accepts a partial last segment', async () => {
      const store = await freshStore(syncReads);
      for (const prefix of ['/', '../', 'a/../', 'a//', './x', 'a\\b', 'a\u0001']) {
        await assert.rejects(
          store.listPage(prefix),
          (e) => e instanceof StorageError && e.message.includes(JSON.stringify(prefix)),
          prefix,
        );
      }
      await store.put('..a/b', utf8('dots are fine inside a name'));
      assert.deepEqual(
        (await listAll(store, '..')).map((o) => o.key),
        ['..a/b'],
      );
      await assert.rejects(store.listPage('x', undefined, 0), /page size 0/);
    });

    it('ifNoneMatch: of 20 concurrent exclusive creates exactly one wins', async () => {
      const store = await freshStore(syncReads);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          store.put('manifest/commit.json', utf8(`writer ${i}`), { ifNoneMatch: '*' }),
        ),
      );
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
      await assert.rejects(
        store.put('manifest/commit.json', utf8('late'), { ifNoneMatch: '*' }),
        PreconditionFailedError,
      );
      await store.put('manifest/commit.json', utf8('plain put overwrites'));
      assert.deepEqual(await store.get('manifest/commit.json'), utf8('plain put overwrites'));
    });

    it('lists and paginates in UTF-8 byte order, also across directory boundaries', async () => {
      const store = await freshStore(syncReads);
      // S3 order, which a per-directory walk gets wrong: 'b.e' < 'b/c' because '.' (0x2e) < '/' (0x2f); astral after
      // U+FF21.
      const keys = ['p/a', 'p/b-x/y', 'p/b.e', 'p/b/c', 'p/b/d', 'p/b0', 'p/u/z', 'p/u/é', 'p/u/Ａ', 'p/u/😀'];
      for (const key of [...keys].reverse()) await store.put(key, utf8(key));
      assert.deepEqual(
        (await listAll(store, 'p/')).map((o) => o.key),
        keys,
      );
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
      assert.deepEqual(
        (await listAll(store, 'p/b')).map((o) => o.key),
        keys.slice(1, 6),
      );
    });

    it('follows symbolic links, reports broken links, loops, FIFOs and control-character names as unlisted, on every page size', async () => {
      const store = await freshStore(syncReads);
      const outside = await mkdtemp(path.join(tmpdir(), 'local-store-outside-'));
      roots.push(outside);
      await writeFile(path.join(outside, 'f'), 'linked file');
      await mkdir(path.join(outside, 'd'));
      await writeFile(path.join(outside, 'd', 'x'), 'in a linked folder');
      await store.put('s/a', utf8('a'));
      await symlink(path.join(outside, 'f'), path.join(store.root, 's', 'b-link'));
      await symlink(path.join(outside, 'd'), path.join(store.root, 's', 'c-dir'));
      await symlink(path.join(outside, 'gone'), path.join(store.root, 's', 'd-broken'));
      await symlink('..', path.join(store.root, 's', 'e-loop'));
      await symlink('f-self', path.join(store.root, 's', 'f-self'));
      execFileSync('mkfifo', [path.join(store.root, 's', 'g-fifo')]);
      await writeFile(path.join(store.root, 's', 'h\nnl'), 'newline in the name');
      await writeFile(path.join(store.root, 's', 'z'), 'z');
      const objects = ['s/a', 's/b-link', 's/c-dir/x', 's/z'];
      const unlisted = [
        { key: 's/d-broken', reason: 'broken symbolic link: its target does not exist' },
        { key: 's/e-loop/', reason: 'symbolic link loop: leads back to an enclosing folder' },
        { key: 's/f-self', reason: 'symbolic link loop' },
        { key: 's/g-fifo', reason: 'not a regular file or folder (FIFO, socket or device)' },
        { key: 's/h\nnl', reason: 'name contains a control character or backslash: not addressable as a key' },
      ];
      const all = await listInventory(store, 's/');
      assert.deepEqual(
        all.objects.map((o) => o.key),
        objects,
      );
      assert.deepEqual(all.unlisted, unlisted);
      assert.equal(all.objects[1]!.size, 'linked file'.length);
      assert.deepEqual(await store.get('s/c-dir/x'), utf8('in a linked folder'));
      for (const pageSize of [1, 2, 3]) {
        const seen: string[] = [];
        const reported: string[] = [];
        let token: string | undefined;
        do {
          const page = await store.listPage('s/', token, pageSize);
          assert.ok(page.objects.length + (page.unlisted?.length ?? 0) <= pageSize);
          seen.push(...page.objects.map((o) => o.key));
          reported.push(...(page.unlisted ?? []).map((u) => u.key));
          token = page.nextToken;
        } while (token !== undefined);
        assert.deepEqual(seen, objects, `pageSize ${pageSize}`);
        assert.deepEqual(
          reported,
          unlisted.map((u) => u.key),
          `pageSize ${pageSize}`,
        );
      }
    });

    it('never lists temp files, even ones left by a crashed writer', async () => {
      const store = await freshStore(syncReads);
      await store.put('t/a', utf8('a'));
      await writeFile(path.join(store.root, 't', '.tmp-deadbeef'), 'partial');
      await mkdir(path.join(store.root, '.tmp-dir'));
      await writeFile(path.join(store.root, '.tmp-dir', 'x'), 'x');
      assert.deepEqual(
        (await listAll(store, '')).map((o) => o.key),
        ['t/a'],
      );
      assert.deepEqual(
        (await listAll(store, 't/.')).map((o) => o.key),
        [],
      );
    });

    it("removes a killed writer's temp files under a folder once old enough, and the folders left empty", async () => {
      const store = await freshStore(syncReads);
      await store.put('p/dt=1/keep', utf8('k'));
      const old = new Date(Date.now() - 2 * 3600_000);
      const plant = async (rel: string, mtime?: Date): Promise<void> => {
        const file = path.join(store.root, ...rel.split('/'));
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, 'partial');
        if (mtime) await utimes(file, mtime, mtime);
      };
      await plant('p/dt=1/.tmp-aa', old);
      await plant('p/dt=1/sub/.tmp-bb', old);
      await plant('p/dt=1/.tmp-fresh'); // a put in flight
      await plant('p/dt=2/.tmp-cc', old); // another folder
      const cutoff = Date.now() - 3600_000;
      assert.deepEqual((await store.removeAbandonedPuts('p/dt=1/', cutoff)).sort(), [
        'p/dt=1/.tmp-aa',
        'p/dt=1/sub/.tmp-bb',
      ]);
      assert.deepEqual((await readdir(path.join(store.root, 'p', 'dt=1'))).sort(), ['.tmp-fresh', 'keep']);
      assert.deepEqual(await readdir(path.join(store.root, 'p', 'dt=2')), ['.tmp-cc']);
      assert.deepEqual(await store.removeAbandonedPuts('p/none/', cutoff), []);
      await assert.rejects(store.removeAbandonedPuts('p/dt=2', cutoff), /is not a folder/);
    });

    it('puts and deletes in the same directory concurrently without losing a put', async () => {
      const store = await freshStore(syncReads);
      for (let round = 0; round < 20; round++) {
        await store.put('c/d/old', utf8('old'));
        await Promise.all([store.delete('c/d/old'), store.put('c/d/new', utf8(`new ${round}`))]);
        assert.deepEqual(await store.get('c/d/new'), utf8(`new ${round}`));
        await store.delete('c/d/new');
      }
      assert.deepEqual(await readdir(store.root), [], 'empty parents pruned');
    });

    it('wraps filesystem errors with the key, the store and the cause', async () => {
      const store = await freshStore(syncReads);
      await store.put('f', utf8('a file'));
      await assert.rejects(
        store.put('f/child', utf8('x')),
        (e) =>
          e instanceof StorageError &&
          !(e instanceof NotFoundError) &&
          !e.transient &&
          e.message.startsWith("storage put failed for 'f/child' in " + store.description) &&
          e.cause instanceof Error,
      );
      await assert.rejects(store.get('f/child'), (e) => e instanceof NotFoundError && e.cause instanceof Error);
      assert.equal(await store.head('f/child'), undefined);
    });

    it('reads an expected version into a given buffer when it fits, and still reports a changed object', async () => {
      const store = await freshStore(syncReads);
      await store.put('raw/a.bin', utf8('0123456789'));
      const info = (await store.head('raw/a.bin'))!;
      const into = new Uint8Array(16).fill(0xee);
      const bytes = await store.get('raw/a.bin', { expect: info, into });
      assert.equal(bytes.buffer, into.buffer);
      assert.equal(bytes.byteOffset, 0);
      assert.equal(new TextDecoder().decode(bytes), '0123456789');
      assert.equal(into[10], 0xee); // nothing past the object is touched
      const small = new Uint8Array(4);
      const own = await store.get('raw/a.bin', { expect: info, into: small });
      assert.notEqual(own.buffer, small.buffer); // too small: read as usual
      assert.equal(new TextDecoder().decode(own), '0123456789');
      await writeFile(path.join(store.root, 'raw/a.bin'), '0123456789abc');
      await assert.rejects(store.get('raw/a.bin', { expect: info, into }), ObjectChangedError);
    });

    it('reads each file as it is now, however often, whatever happened to it between reads', async () => {
      const store = await freshStore(syncReads);
      const text = async (key: string, start: number, end: number): Promise<string> =>
        new TextDecoder().decode(await store.getRange(key, start, end));
      await store.put('seg/a.bin', utf8('first version'));
      assert.equal(await text('seg/a.bin', 0, 5), 'first');
      assert.equal(await text('seg/a.bin', 6, 13), 'version');
      // replaced by a rename (a rerun's put): the new file, not the one a kept descriptor may still point to
      await store.put('seg/a.bin', utf8('SECOND VERSION!'));
      assert.equal(await text('seg/a.bin', 0, 6), 'SECOND');
      assert.equal(new TextDecoder().decode(await store.get('seg/a.bin')), 'SECOND VERSION!');
      // rewritten in place (same inode): the new bytes, and an expected size that no longer holds is reported
      const info = (await store.head('seg/a.bin'))!;
      await writeFile(path.join(store.root, 'seg/a.bin'), 'third, longer version');
      assert.equal(await text('seg/a.bin', 0, 5), 'third');
      await assert.rejects(store.getRange('seg/a.bin', 0, 5, { expect: info }), ObjectChangedError);
      const whole = await store.get('seg/a.bin', { expect: (await store.head('seg/a.bin'))! });
      assert.equal(new TextDecoder().decode(whole), 'third, longer version'); // all of it, read twice
      assert.equal(
        new TextDecoder().decode(await store.get('seg/a.bin', { expect: (await store.head('seg/a.bin'))! })),
        'third, longer version',
      );
      // deleted: missing, not the last bytes read
      await store.delete('seg/a.bin');
      await assert.rejects(store.getRange('seg/a.bin', 0, 5), NotFoundError);
      await assert.rejects(store.getRange('seg/a.bin', 0, 5, { expect: info }), ObjectChangedError);
      // more files than a reader keeps open: each still reads right, the first ones again too
      const keys = Array.from({ length: 150 }, (_, i) => `seg/f${String(i).padStart(3, '0')}.bin`);
      for (const [i, key] of keys.entries()) await store.put(key, utf8(`file ${i} `.repeat(3)));
      for (let round = 0; round < 2; round++)
        for (const [i, key] of keys.entries()) assert.equal(await text(key, 0, `file ${i}`.length), `file ${i}`);
    });
  });
