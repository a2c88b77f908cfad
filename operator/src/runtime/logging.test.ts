import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, errorFields } from './logging.js';

describe('logging', () => {
  it('writes JSON lines with a timestamp, the logger name and child fields', async () => {
    const stream = new PassThrough();
    const logger = createLogger({ name: 'operator', stream }).child({ controller: 'tenant' });
    const line = new Promise<string>((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    logger.info('Applied NetworkPolicy', { key: 'acme' });
    const entry = JSON.parse(await line) as Record<string, unknown>;
    assert.equal(entry['message'], 'Applied NetworkPolicy');
    assert.equal(entry['level'], 'info');
    assert.equal(entry['logger'], 'operator');
    assert.equal(entry['controller'], 'tenant');
    assert.equal(entry['key'], 'acme');
    assert.match(String(entry['timestamp']), /^\d{4}-\d{2}-\d{2}T/);
  });

  it('turns errors into their message without a stack', () => {
    assert.deepEqual(errorFields(new Error('conflict')), { error: 'conflict' });
    assert.deepEqual(errorFields('plain'), { error: 'plain' });
    assert.deepEqual(errorFields({ message: 'from an object' }), { error: 'from an object' });
  });

  it('never serialises an arbitrary thrown object, which could hold Secret data', () => {
    assert.deepEqual(errorFields({ data: { password: 'hunter2' } }), { error: '[object Object]' });
  });
});
