import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { dynamoDocumentClient } from '../../lib/adapters/aws/aws-clients.js';
import { DynamoResultStore } from '../../lib/adapters/aws/dynamo-result-store.js';
import { DynamoRunProgress, unprocessedBackoffMs } from '../../lib/adapters/aws/run-progress-store.js';
import { PART_SHARDS } from '../../lib/adapters/aws/runs-table.js';
import { EMULATOR_CREDENTIALS_ENV } from '../../lib/emulate/emulator-credentials.js';
import { FaultDice } from '../../lib/emulate/fault-dice.js';
import { startFaultProxy } from '../../lib/emulate/fault-proxy.js';
import { startStorageEmulators, type StorageEmulators } from '../../lib/emulate/storage-emulators.js';
import { failureOf, failureRecordSchema } from '../../lib/lambda/record-failures.js';

/**
 * What keeps the AWS path standing when AWS is busy, without a whole stack: the runs table's
 * writes spread at a fan-out's busiest second, the SDK clients' timeouts and retries, BatchGet's
 * unprocessed keys, and the on-failure records read back.
 */
let storage: StorageEmulators;
before(async () => {
  Object.assign(process.env, EMULATOR_CREDENTIALS_ENV, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  storage = await startStorageEmulators({ bucket: 'resilience-results', table: 'resilience-runs' });
});
after(async () => storage.close());

/** Every item key (pk, sk) the client writes, in order. */
function recordWrites(client: DynamoDBDocumentClient): Array<{ pk: string; sk: string }> {
  const writes: Array<{ pk: string; sk: string }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (/PutItem|UpdateItem/.test(context.commandName ?? '')) {
        const input = args.input as { Item?: Record<string, { S?: string }>; Key?: Record<string, { S?: string }> };
        const key = input.Item ?? input.Key!;
        writes.push({ pk: key.pk!.S!, sk: key.sk!.S! });
      }
      return next(args);
    },
    { step: 'serialize', name: 'recordWrites' },
  );
  return writes;
}

const most = (keys: string[]) => Math.max(...[...keys.reduce((counts, key) => counts.set(key, (counts.get(key) ?? 0) + 1), new Map<string, number>()).values()]);

test('no hot item: 1,000 workers ending a step and reporting an interval in the same second spread their writes', async () => {
  const client = dynamoDocumentClient({ region: 'us-east-1', endpoints: { dynamodb: storage.dynamodbEndpoint } });
  const writes = recordWrites(client);
  const results = new DynamoResultStore(client, storage.table);
  const progress = new DynamoRunProgress(client, storage.table);
  const runId = 'hot-item-run';
  const lanes = 1000;
  const limit = pLimit(64);
  const interval = { i: 42, requests: 10, errors: 0, users: 900, latency: new Uint8Array() };
  await Promise.all(
    Array.from({ length: lanes }, (_, lane) =>
      limit(async () => {
        await results.completePart({ runId, step: 0, slice: 0, lane });
        await progress.record(runId, lane, 0, interval);
      }),
    ),
  );
  assert.equal(writes.length, 2 * lanes);
  // Each completion is an item of its own (no counter); live progress lands on one of 16 items per interval.
  const perItem = (prefix: string) => most(writes.filter((write) => write.sk.startsWith(prefix) || write.pk.startsWith(prefix)).map((write) => `${write.pk} ${write.sk}`));
  assert.equal(perItem('done#'), 1);
  assert.equal(perItem('progress#'), Math.ceil(lanes / PART_SHARDS));
  // No partition key takes more than a sixteenth: ~63 writes of 1 WCU where a partition takes 1,000 WCU/s.
  assert.equal(most(writes.map((write) => write.pk)), Math.ceil(lanes / PART_SHARDS));
  // And the supervisor reads them back with one query per shard: each result once.
  assert.equal((await results.listDoneParts(runId, 0)).length, lanes);
  const [point] = await progress.read(runId, [42]);
  assert.deepEqual(point, { interval: 42, requests: 10 * lanes, errors: 0, users: 900 * lanes, reports: lanes });
});

test('a claim and a completion whose answers were lost: the SDK retries them, the claim is still its owner\'s, the completion is there once', async () => {
  // A seed whose die loses the first answer and delivers the second: calls made one after another meet exactly that.
  const seed = Array.from({ length: 200 }, (_, index) => index + 1).find((candidate) => {
    const dice = new FaultDice(candidate, 'dynamodb-lost');
    return dice.roll(0.5) && !dice.roll(0.5) && !dice.roll(0.5);
  })!;
  const proxy = await startFaultProxy({ service: 'dynamodb', upstream: storage.dynamodbEndpoint, errorRate: 0, lostResponseRate: 0.5, seed });
  try {
    const results = new DynamoResultStore(dynamoDocumentClient({ region: 'us-east-1', endpoints: { dynamodb: proxy.url } }), storage.table);
    const task = { runId: 'lost-answers', lane: 5, slice: 2, startAt: 1 };
    // The put is applied, its answer lost; the retry meets the item: it is this invocation's own.
    assert.equal(await results.claimSlice(task, 'invocation-a'), true);
    assert.equal(proxy.counts.answersLost, 1);
    assert.equal(await results.claimSlice(task, 'invocation-b'), false, 'another invocation is a duplicate');
    await results.completePart({ runId: 'lost-answers', step: 0, slice: 2, lane: 5 });
    assert.deepEqual(await results.listDoneParts('lost-answers', 0), [{ slice: 2, lane: 5 }]);
  } finally {
    await proxy.close();
  }
});

test('SDK clients time out a dead connection and retry it with backoff, then give up: a call cannot hang an invocation', async () => {
  // Accepts connections and never answers: a service that stopped responding.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const client = dynamoDocumentClient({ region: 'us-east-1', endpoints: { dynamodb: endpoint }, timeouts: { requestMs: 200 } });
    const started = Date.now();
    await assert.rejects(
      () => client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })),
      (error: Error) => /timeout|timed out/i.test(`${error.name} ${error.message}`),
    );
    const took = Date.now() - started;
    assert.equal(sockets.length, 6, 'six attempts, each on a fresh connection');
    // Six 200 ms timeouts and five backoff waits in between (up to 20 s in all, with jitter).
    assert.ok(took >= 6 * 200 && took < 30_000, `gave up after ${took} ms`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('BatchGetItem\'s unprocessed keys are read again with growing, jittered waits until none is left', async () => {
  const calls: Array<{ keys: number; at: number }> = [];
  const fake = {
    send: async (command: { input: { RequestItems: Record<string, { Keys: Array<{ pk: string }> }> } }) => {
      const keys = command.input.RequestItems.t!.Keys;
      calls.push({ keys: keys.length, at: Date.now() });
      // Throttled twice: half the keys come back unprocessed each time.
      const unprocessed = calls.length <= 2 ? keys.slice(0, Math.ceil(keys.length / 2)) : [];
      const done = keys.slice(unprocessed.length);
      return {
        Responses: { t: done.map((key) => ({ pk: key.pk, sk: 'progress', requests: 1, errors: 0, reports: 1, users_0: 1 })) },
        ...(unprocessed.length > 0 ? { UnprocessedKeys: { t: { Keys: unprocessed } } } : {}),
      };
    },
  } as unknown as DynamoDBDocumentClient;
  const progress = new DynamoRunProgress(fake, 't');
  const points = await progress.read('r', [0, 1, 2]);
  assert.equal(calls.length, 3);
  assert.deepEqual(
    calls.map((call) => call.keys),
    [3 * PART_SHARDS, Math.ceil((3 * PART_SHARDS) / 2), Math.ceil((3 * PART_SHARDS) / 4)],
  );
  assert.deepEqual(
    points.map((point) => [point.interval, point.reports]),
    [
      [0, PART_SHARDS],
      [1, PART_SHARDS],
      [2, PART_SHARDS],
    ],
  );
  // The waits: full jitter under a cap that doubles, 100 ms, 200 ms, … up to 2 s.
  assert.deepEqual([1, 2, 3, 10].map((attempt) => unprocessedBackoffMs(attempt, () => 1)), [100, 200, 400, 2000]);
  assert.equal(unprocessedBackoffMs(3, () => 0), 0);
});

test('an on-failure record names the run, what the invocation was for and why it failed; a foreign one is left alone', () => {
  const record = (requestPayload: unknown) =>
    failureRecordSchema.parse({
      version: '1.0',
      timestamp: '2026-11-29T10:00:00.000Z',
      requestContext: { requestId: 'req-9', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fanout-dev-worker:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 1 },
      requestPayload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: req-9 Error: Runtime exited with error: signal: killed' },
    });
  assert.deepEqual(failureOf(record({ runId: 'run-1', lane: 3, slice: 2, startAt: 5 })), {
    runId: 'run-1',
    failure: {
      requestId: 'req-9',
      function: 'worker',
      what: 'lane 3 slice 2',
      condition: 'RetriesExhausted',
      error: 'Runtime.ExitError: RequestId: req-9 Error: Runtime exited with error: signal: killed',
      attempts: 1,
      at: Date.parse('2026-11-29T10:00:00.000Z'),
    },
  });
  assert.equal(failureOf(record({ runId: 'run-1', finalizeAt: 9 }))!.failure.what, 'watch over the run');
  assert.equal(failureOf(record({ something: 'else' })), undefined);
});
