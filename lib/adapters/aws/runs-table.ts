import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The runs table's layout: one table, string keys `pk`/`sk`, items expiring through the TTL
 * attribute. serverless.yml declares the same table (a test compares the two).
 *
 *   pk `run#<id>`              sk `run`            the run's item (status, start barrier, stop flag,
 *                                                 finalisation lock, parts counted by the supervisor)
 *   pk `run#<id>`              sk `step#00000`     one step's merged results
 *   pk `run#<id>`              sk `failed#<req>`   an invocation that failed for good (on-failure destination)
 *   pk `parts#<id>#<shard>`    sk `claim#k#l`      slice k of lane l claimed (conditional put: exactly once)
 *   pk `parts#<id>#<shard>`    sk `done#s#k#l`     step s's result of that slice stored (conditional put)
 *   pk `progress#<id>#<i>#<shard>` sk `progress`   live counters of timeline interval i (ADD)
 *
 * Claims, completions and live progress are written by every worker at the same moments (a slice
 * boundary, a step's end, every interval): they are spread over PART_SHARDS partition keys by lane,
 * so that no item and no partition key takes a whole fan-out's writes (docs/aws.md, "No hot item").
 * A completion is an item of its own, never a counter: a retried write finds it and adds nothing,
 * and the run's supervisor counts the distinct items.
 *
 * Runs are listed newest first through a small index on `listPk` (always "runs") and `createdAt`,
 * and one owner's runs through a sparse one on `owner` and `createdAt` (items without an owner
 * are not in it).
 */
export const RUNS_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  runsIndex: { name: 'runsByCreatedAt', partitionKey: 'listPk', sortKey: 'createdAt', listPkValue: 'runs' },
  /** A run's item carries its owner (the API caller's IAM ARN); this index lists one owner's runs, newest first. */
  ownerIndex: { name: 'runsByOwner', partitionKey: 'owner', sortKey: 'createdAt' },
} as const;

/**
 * Partition keys the per-lane bookkeeping of one run is spread over. With 1,000 lanes ending a step
 * in the same second, each key takes ~63 writes: far under a partition's 1,000 WCU/s.
 */
export const PART_SHARDS = 16;
export const shardOfLane = (lane: number) => lane % PART_SHARDS;

export const runPk = (runId: string) => `run#${runId}`;
export const partsPk = (runId: string, shard: number) => `parts#${runId}#${shard}`;
export const progressPk = (runId: string, interval: number, shard: number) => `progress#${runId}#${interval}#${shard}`;
export const RUN_SK = 'run';
export const PROGRESS_SK = 'progress';
export const CLAIM_SK_PREFIX = 'claim#';
export const claimSk = (slice: number, lane: number) => `${CLAIM_SK_PREFIX}${slice}#${lane}`;
export const DONE_SK_PREFIX = 'done#';
export const doneSk = (step: number, slice: number, lane: number) => `${DONE_SK_PREFIX}${step}#${slice}#${lane}`;
export const FAILED_SK_PREFIX = 'failed#';
export const failedSk = (requestId: string) => `${FAILED_SK_PREFIX}${requestId}`;
export const STEP_SK_PREFIX = 'step#';
export const stepSk = (step: number) => `${STEP_SK_PREFIX}${String(step).padStart(5, '0')}`;

/** Items live this long unless the deployment says otherwise (the TTL deletes them for free). */
export const DEFAULT_RETENTION_DAYS = 90;

export function expiresAt(retentionDays: number, now = Date.now()): number {
  return Math.floor(now / 1000) + Math.round(retentionDays * 86_400);
}

/** The table as CreateTable takes it: what an emulated stack creates (the deployed one comes from serverless.yml). */
export function createRunsTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, runsIndex, ownerIndex } = RUNS_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: 'S' },
      { AttributeName: sortKey, AttributeType: 'S' },
      { AttributeName: runsIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: runsIndex.sortKey, AttributeType: 'N' },
      { AttributeName: ownerIndex.partitionKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: runsIndex.name,
        KeySchema: [
          { AttributeName: runsIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: runsIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: ownerIndex.name,
        KeySchema: [
          { AttributeName: ownerIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: ownerIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
