import assert from 'node:assert/strict';
import type { KubeClient } from '../kube/client.js';
import { hashToken } from './token-hash.js';
import { KubeTokenStore } from './token-store.js';

/** The one call the store makes to read tokens, answered from memory after a turn, counted. */
function secretReader(token: string) {
  const record = { hash: hashToken(token), role: 'sales-ops', created: '2026-12-07T00:00:00Z' };
  const reader = {
    reads: 0,
    get: async () => {
      reader.reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { metadata: { name: 'tokens' }, data: { ops: Buffer.from(JSON.stringify(record)).toString('base64') } };
    },
  };
  return reader;
}

describe('the API token store', function () {
  const token = `bht_${'a'.repeat(43)}`;

  it('reads the Secret once for the requests that arrive while its cache is being refreshed', async function () {
    const reader = secretReader(token);
    let now = new Date('2026-12-07T12:00:00Z');
    const store = new KubeTokenStore({ client: reader as unknown as KubeClient, cacheMs: 5000, now: () => now });
    const first = await Promise.all(Array.from({ length: 20 }, () => store.verify(token)));
    assert.ok(first.every((principal) => principal?.id === 'token:ops'));
    assert.equal(reader.reads, 1);
    now = new Date(now.getTime() + 4999);
    await store.verify(token);
    assert.equal(reader.reads, 1, 'still cached');
    now = new Date(now.getTime() + 1);
    await Promise.all(Array.from({ length: 20 }, () => store.verify(token)));
    assert.equal(reader.reads, 2, 'expired: read again, once');
  });

  it('reads afresh for every change, even while a refresh is under way', async function () {
    const reader = secretReader(token);
    const store = new KubeTokenStore({ client: reader as unknown as KubeClient, cacheMs: 5000 });
    await Promise.all([store.records(Date.now()), store.records(Date.now(), true), store.records(Date.now(), true)]);
    assert.equal(reader.reads, 3);
  });
});
