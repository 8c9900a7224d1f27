import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The runs table's layout: one table, string keys `pk`/`sk`, items expiring through the TTL
 * attribute. serverless.yml declares the same table (a test compares the two).
 *
 *   pk `run#<id>`            sk `run`              the run's item (status, start barrier, stop flag)
 *   pk `run#<id>`            sk `claim#k#l`        slice k of lane l claimed (conditional put: exactly once)
 *   pk `run#<id>`            sk `done#s#k#l`       step s's result of that slice stored (conditional put)
 *   pk `run#<id>`            sk `count#s`          step s's results stored (atomic ADD)
 *   pk `run#<id>`            sk `step#00000`       one step's merged results
 *   pk `progress#<id>#<i>`   sk `progress`         live counters of timeline interval i (ADD); its
 *                                                  own partition key so that every worker's
 *                                                  once-a-second write does not land on one partition
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

export const runPk = (runId: string) => `run#${runId}`;
export const progressPk = (runId: string, interval: number) => `progress#${runId}#${interval}`;
export const RUN_SK = 'run';
export const PROGRESS_SK = 'progress';
export const claimSk = (slice: number, lane: number) => `claim#${slice}#${lane}`;
export const doneSk = (step: number, slice: number, lane: number) => `done#${step}#${slice}#${lane}`;
export const COUNT_SK_PREFIX = 'count#';
export const countSk = (step: number) => `${COUNT_SK_PREFIX}${step}`;
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
