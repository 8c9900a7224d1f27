import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { BlobStore } from '../../lib/ports/blob-store.js';

export interface BlobStoreSubject {
  store: BlobStore;
  close(): Promise<void>;
}

/** What every BlobStore must do, whatever holds the bytes: run against the local folder and S3. */
export function blobStoreContract(name: string, open: () => Promise<BlobStoreSubject>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let subject: BlobStoreSubject;
    let store: BlobStore;
    let run = 0;
    // Each test in its own run id, so that tests do not see each other's keys.
    const runId = () => `contract-${process.pid}-${++run}`;
    before(async () => {
      subject = await open();
      store = subject.store;
    });
    after(async () => subject.close());

    test('a put object reads back byte for byte; a missing one reads as undefined', async () => {
      const id = runId();
      const body = JSON.stringify({ text: 'grüße, 負荷 ✓', n: 1 });
      await store.put(`${id}/plan.json`, body, 'application/json');
      assert.equal(await store.get(`${id}/plan.json`), body);
      assert.equal(await store.get(`${id}/missing.json`), undefined);
    });

    test('bytes read back as the same bytes (every byte value, not valid UTF-8), and as nothing when missing', async () => {
      const id = runId();
      const bytes = new Uint8Array(Array.from({ length: 1024 }, (_, index) => (index * 7 + 0xc3) % 256));
      await store.put(`${id}/steps/0/slices/0/0.cbor`, bytes, 'application/cbor');
      const read = await store.getBytes(`${id}/steps/0/slices/0/0.cbor`);
      assert.ok(read instanceof Uint8Array);
      assert.deepEqual(Buffer.from(read), Buffer.from(bytes));
      assert.equal(await store.getBytes(`${id}/steps/0/slices/0/1.cbor`), undefined);
    });

    test('a second put of the same key overwrites it (a retried write is harmless)', async () => {
      const id = runId();
      await store.put(`${id}/report.json`, 'first');
      await store.put(`${id}/report.json`, 'second');
      assert.equal(await store.get(`${id}/report.json`), 'second');
      assert.deepEqual(await store.list(`${id}/`), [`${id}/report.json`]);
    });

    test('list returns every key under a prefix, relative as written, and nothing else', async () => {
      const id = runId();
      const keys: string[] = [];
      for (let step = 0; step < 12; step++) for (let worker = 0; worker < 3; worker++) keys.push(`${id}/steps/${step}/slices/0/${worker}.cbor`);
      await Promise.all(keys.map((key) => store.put(key, key)));
      await store.put(`${id}/plan.json`, '{}');
      await store.put(`${id}x/plan.json`, '{}');

      assert.deepEqual((await store.list(`${id}/steps/`)).sort(), [...keys].sort());
      assert.deepEqual((await store.list(`${id}/steps/1/`)).sort(), keys.filter((key) => key.startsWith(`${id}/steps/1/`)).sort());
      // A prefix is a string prefix, not a folder: steps/1 also matches steps/10 and steps/11.
      assert.equal((await store.list(`${id}/steps/1`)).length, 9);
      assert.deepEqual((await store.list(`${id}/`)).length, keys.length + 1);
      assert.deepEqual(await store.list(`${id}/nothing/`), []);
    });

    test('delete removes a key; deleting a missing key is no error', async () => {
      const id = runId();
      await store.put(`${id}/steps/0/slices/0/0.cbor`, 'x');
      await store.delete(`${id}/steps/0/slices/0/0.cbor`);
      assert.equal(await store.get(`${id}/steps/0/slices/0/0.cbor`), undefined);
      assert.deepEqual(await store.list(`${id}/`), []);
      await store.delete(`${id}/never-written.json`);
    });

    test('keys that climb out of the store or have empty parts are refused', async () => {
      const id = runId();
      await assert.rejects(() => store.put(`${id}/../escape.json`, 'x'));
      await assert.rejects(() => store.put(`${id}//double.json`, 'x'));
    });
  });
}
