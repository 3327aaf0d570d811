import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { ignoreClosedPipes } from '../../../src/config/environment.js';

it('drops writes to a closed pipe (EPIPE) and throws any other error of the stream, attached once per stream', () => {
  const stream = new Writable({ write: (_chunk, _encoding, done) => done() });
  ignoreClosedPipes([stream]);
  ignoreClosedPipes([stream]);
  assert.equal(stream.listenerCount('error'), 1);
  const closed = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
  assert.doesNotThrow(() => stream.emit('error', closed));
  const full = Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC' });
  assert.throws(() => stream.emit('error', full), /ENOSPC/);
});
