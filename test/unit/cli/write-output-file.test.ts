import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { after, it } from 'node:test';
import { writeOutputFile } from '../../../src/cli/write-output-file.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const dir = await makeTempDir('write-output-file');
after(() => dir.remove());

it('writes the file, and names the flag and the path when it cannot', async () => {
  await writeOutputFile('report --out', `${dir.path}/r.html`, '<html>');
  assert.equal(await readFile(`${dir.path}/r.html`, 'utf8'), '<html>');
  await assert.rejects(
    writeOutputFile('trend --chart', `${dir.path}/no-such-folder/cpu.svg`, '<svg>'),
    new RegExp(`^Error: trend --chart ${dir.path}/no-such-folder/cpu\\.svg cannot be written: ENOENT`),
  );
});

it('replaces a file whole through a temporary file beside it, leaving none behind, also when it fails', async () => {
  const folder = `${dir.path}/replace`;
  await mkdir(folder);
  await writeFile(`${folder}/r.html`, 'the previous report');
  await writeOutputFile('report --out', `${folder}/r.html`, '<html>new</html>');
  assert.equal(await readFile(`${folder}/r.html`, 'utf8'), '<html>new</html>');
  assert.deepEqual(await readdir(folder), ['r.html']);
  await mkdir(`${folder}/taken.svg`); // a folder where the file should go: the rename fails
  await assert.rejects(
    writeOutputFile('trend --chart', `${folder}/taken.svg`, '<svg>'),
    /^Error: trend --chart .*\/taken\.svg cannot be written: E/,
  );
  assert.deepEqual((await readdir(folder)).sort(), ['r.html', 'taken.svg']);
});

it('replaces the file a symlink names, not the link', async () => {
  const folder = `${dir.path}/linked`;
  await mkdir(folder);
  await writeFile(`${folder}/real.html`, 'old');
  await symlink('real.html', `${folder}/latest.html`);
  await writeOutputFile('report --out', `${folder}/latest.html`, 'new');
  assert.equal(await readlink(`${folder}/latest.html`), 'real.html');
  assert.ok((await lstat(`${folder}/latest.html`)).isSymbolicLink());
  assert.equal(await readFile(`${folder}/real.html`, 'utf8'), 'new');
});

it('writes into what is no regular file (a pipe) as it is', async () => {
  const fifo = `${dir.path}/pipe`;
  await new Promise<void>((resolve, reject) =>
    spawn('mkfifo', [fifo]).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo ${code}`)))),
  );
  const read = readFile(fifo, 'utf8');
  await writeOutputFile('report --out', fifo, '<html>piped</html>');
  assert.equal(await read, '<html>piped</html>');
  assert.ok((await lstat(fifo)).isFIFO(), 'the pipe is still a pipe');
});
