import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
