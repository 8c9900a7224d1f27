import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { dynamoDocumentClient, lambdaClient, s3Client } from '../../lib/adapters/aws/aws-clients.js';
import { DynamoResultStore } from '../../lib/adapters/aws/dynamo-result-store.js';
import { LambdaInvoker } from '../../lib/adapters/aws/lambda-invoker.js';
import { DynamoRunProgress } from '../../lib/adapters/aws/run-progress-store.js';
import { RUNS_PREFIX, S3BlobStore, SLICE_TAG } from '../../lib/adapters/aws/s3-blob-store.js';
import { startEmulatedStack, type EmulatedStack } from '../../lib/emulate/emulated-stack.js';
import { blobStoreContract } from '../contract/blob-store-contract.js';
import { invokerContract } from '../contract/invoker-contract.js';
import { resultStoreContract } from '../contract/result-store-contract.js';

/**
 * The three port contracts against the AWS adapters: S3 on s3rver, DynamoDB on dynalite, Lambda
 * on the Invoke API emulator running the real worker and aggregator handlers, all on 127.0.0.1.
 */
let stack: EmulatedStack;
before(async () => {
  stack = await startEmulatedStack();
});
after(async () => {
  await stack.lambda.whenIdle();
  await stack.close();
});

const connection = () => stack.config.connection;
const keep = async () => {};

// A page of 7 keys, so that listing runs/ pages through ListObjectsV2 continuation tokens.
blobStoreContract('S3BlobStore (s3rver)', async () => ({ store: new S3BlobStore(s3Client(connection()), stack.bucket, { pageSize: 7 }), close: keep }));

resultStoreContract('DynamoResultStore (dynalite)', async () => ({ store: new DynamoResultStore(dynamoDocumentClient(connection()), stack.table), close: keep }));

invokerContract('LambdaInvoker (Invoke API emulator)', async () => ({
  invoker: new LambdaInvoker(lambdaClient(connection()), { workerFunction: stack.functions.worker, aggregatorFunction: stack.functions.aggregator }),
  blobs: new S3BlobStore(s3Client(connection()), stack.bucket),
  results: new DynamoResultStore(dynamoDocumentClient(connection()), stack.table),
  close: async () => stack.lambda.whenIdle(),
}));

test('S3: keys live under runs/ in the bucket; slice histograms are sent with the expiry tag, reports without', async () => {
  const client = s3Client(connection());
  // s3rver ignores x-amz-tagging, so the request itself is checked: S3 applies the header's tags.
  const tagging = new Map<string, string | undefined>();
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path?: string; headers?: Record<string, string> };
      if (request.path) tagging.set(decodeURIComponent(request.path), request.headers?.['x-amz-tagging']);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordTagging' },
  );
  const blobs = new S3BlobStore(client, stack.bucket);
  await blobs.put('tagged-run/steps/0/slices/0/0.cbor', '{}');
  await blobs.put('tagged-run/report.json', '{}');
  const listed = await client.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: 'tagged-run' }));
  assert.equal(listed.KeyCount ?? 0, 0, 'nothing outside runs/');
  const under = await client.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: `${RUNS_PREFIX}tagged-run/` }));
  assert.deepEqual(under.Contents?.map((object) => object.Key).sort(), ['runs/tagged-run/report.json', 'runs/tagged-run/steps/0/slices/0/0.cbor']);
  assert.equal(tagging.get(`/${stack.bucket}/runs/tagged-run/steps/0/slices/0/0.cbor`), `${SLICE_TAG.key}=${SLICE_TAG.value}`);
  assert.equal(tagging.get(`/${stack.bucket}/runs/tagged-run/report.json`), undefined);
  assert.ok(tagging.has(`/${stack.bucket}/runs/tagged-run/report.json`));
});

test('DynamoDB: live progress adds every worker\'s interval up over its shards; steps take the larger user count', async () => {
  const progress = new DynamoRunProgress(dynamoDocumentClient(connection()), stack.table);
  const interval = (i: number, requests: number, users: number) => ({ i, requests, errors: 1, users, latency: new Uint8Array() });
  await Promise.all([
    progress.record('progress-run', 0, 0, interval(3, 100, 10)),
    progress.record('progress-run', 1, 0, interval(3, 50, 5)),
    progress.record('progress-run', 2, 1, interval(3, 20, 30)),
    progress.record('progress-run', 0, 0, interval(4, 7, 15)),
  ]);
  assert.deepEqual(await progress.read('progress-run', [2, 3, 4]), [
    { interval: 3, requests: 170, errors: 3, users: 30, reports: 3 },
    { interval: 4, requests: 7, errors: 1, users: 15, reports: 1 },
  ]);
});

test('Lambda: an invocation of a function that does not exist is an error, not a silent no-op', async () => {
  const invoker = new LambdaInvoker(lambdaClient(connection()), { workerFunction: 'fanout-emulated-nope', aggregatorFunction: stack.functions.aggregator });
  await assert.rejects(() => invoker.invokeSlice({ runId: 'x', lane: 0, slice: 0, startAt: Date.now() }), /Function not found|ResourceNotFound/);
});
