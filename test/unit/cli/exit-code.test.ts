import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyFailure, exitCodes } from '../../../src/cli/exit-code.js';
import { NotFoundError, PreconditionFailedError, StorageError } from '../../../src/storage/storage-error.js';

/** An error with a given name, as the modules that own each name raise it. */
function named(name: string, message = 'x', cause?: unknown): Error {
  const e = new Error(message, cause === undefined ? undefined : { cause });
  e.name = name;
  return e;
}

describe('classifyFailure', () => {
  const retry = { kind: 'retry', code: 75 };
  const halt = { kind: 'halt', code: 1 };
  const cases: [string, () => unknown, { kind: string; code: number }][] = [
    ['a transient storage error', () => new StorageError('throttled', true), retry],
    ['a permanent storage error', () => new StorageError('access denied', false), halt],
    ['an object not found', () => new NotFoundError('k', 'store'), halt],
    ['a lost conditional write', () => new PreconditionFailedError('k', 'store'), halt],
    [
      'a transient storage error as the cause',
      () => new Error('reading raw', { cause: new StorageError('reset', true) }),
      retry,
    ],
    [
      'a transient storage error four causes deep',
      () => named('A', 'a', named('B', 'b', named('C', 'c', named('D', 'd', new StorageError('reset', true))))),
      retry,
    ],
    [
      'a transient storage error five causes deep: not looked at',
      () =>
        named(
          'A',
          'a',
          named('B', 'b', named('C', 'c', named('D', 'd', named('E', 'e', new StorageError('reset', true))))),
        ),
      halt,
    ],
    [
      'a halt name before a transient cause: the outer one decides',
      () => named('RawInputError', 'bad', new StorageError('reset', true)),
      halt,
    ],
    ['a config error', () => named('ConfigError'), halt],
    ['a column type error', () => named('ColumnTypeError'), halt],
    ['an unknown error', () => new TypeError('boom'), halt],
    ['not an Error at all', () => 'a string', halt],
    ['undefined', () => undefined, halt],
    [
      'an object claiming to be transient but not named StorageError',
      () => Object.assign(new Error('x'), { transient: true }),
      halt,
    ],
  ];
  for (const [name, error, want] of cases) it(name, () => assert.deepEqual(classifyFailure(error()), want));
});

it('the exit codes a CronJob acts on', () => {
  assert.deepEqual(exitCodes, { done: 0, halt: 1, noData: 3, retry: 75 });
});
