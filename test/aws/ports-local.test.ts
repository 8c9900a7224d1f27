import { rm } from 'node:fs/promises';
import { LocalBlobStore } from '../../lib/adapters/local/local-blob-store.js';
import { LocalInvoker } from '../../lib/adapters/local/local-invoker.js';
import { LocalResultStore } from '../../lib/adapters/local/local-result-store.js';
import { handleAggregation } from '../../lib/lambda/handle-aggregation.js';
import { blobStoreContract } from '../contract/blob-store-contract.js';
import { invokerContract } from '../contract/invoker-contract.js';
import { resultStoreContract } from '../contract/result-store-contract.js';
import { tempDir } from '../helpers/run-helpers.js';

/** The three port contracts against the one-machine adapters (ports-aws.test.ts: the same against AWS's). */

blobStoreContract('LocalBlobStore (a folder)', async () => {
  const root = await tempDir('fanout-blobs-');
  return { store: new LocalBlobStore(root), close: () => rm(root, { recursive: true, force: true }) };
});

resultStoreContract('LocalResultStore (files)', async () => {
  const root = await tempDir('fanout-results-');
  return { store: new LocalResultStore(root), close: () => rm(root, { recursive: true, force: true }) };
});

invokerContract('LocalInvoker (worker threads)', async () => {
  const root = await tempDir('fanout-invoker-');
  const blobs = new LocalBlobStore(root);
  const results = new LocalResultStore(root);
  let invoker: LocalInvoker | undefined;
  invoker = new LocalInvoker({
    root,
    threads: 1,
    onAggregate: async (request) => {
      await handleAggregation(request, { blobs, results, invoker: invoker! }, { remainingMs: () => 900_000 });
    },
  });
  const local = invoker;
  return {
    invoker: local,
    blobs,
    results,
    close: async () => {
      await local.whenIdle();
      await local.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
