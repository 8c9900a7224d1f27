import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SliceTask, StepPartKey } from '../../plan/slice-task.js';
import type { FailedInvocation, FinalizationOptions, FinalizedRun, ResultStore, RunRecord, SliceRef, StepRecord } from '../../ports/result-store.js';
import {
  CLAIM_SK_PREFIX,
  DEFAULT_RETENTION_DAYS,
  DONE_SK_PREFIX,
  FAILED_SK_PREFIX,
  PART_SHARDS,
  RUNS_TABLE,
  RUN_SK,
  STEP_SK_PREFIX,
  claimSk,
  doneSk,
  expiresAt,
  failedSk,
  partsPk,
  runPk,
  shardOfLane,
  stepSk,
} from './runs-table.js';
import { failedInvocationFromItem, runRecordFromItem, stepRecordFromItem } from './table-items.js';

export interface DynamoResultStoreOptions {
  /** Days before the TTL deletes a run's items. */
  retentionDays?: number;
}

type RunChanges = Partial<Pick<RunRecord, 'status' | 'endedAt' | 'reportKey' | 'partsDone'>>;

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/**
 * The ResultStore on one DynamoDB table, without transactions: a claim or a completion is a
 * conditional put of an item of its own (only the first writer succeeds; a retried write finds it
 * and adds nothing), spread over PART_SHARDS partition keys by lane; the run's supervisor counts
 * the distinct completions. The finalisation lock is a conditional update of the run's item.
 */
export class DynamoResultStore implements ResultStore {
  private readonly retentionDays: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    options: DynamoResultStoreOptions = {},
  ) {
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }

  private ttl(): number {
    return expiresAt(this.retentionDays);
  }

  /** Puts an item unless one with its key exists: true for the first writer. */
  private async putOnce(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async createRun(run: RunRecord): Promise<void> {
    const created = await this.putOnce({
      ...run,
      pk: runPk(run.runId),
      sk: RUN_SK,
      [RUNS_TABLE.runsIndex.partitionKey]: RUNS_TABLE.runsIndex.listPkValue,
      expiresAt: this.ttl(),
    });
    if (!created) throw new Error(`run ${run.runId} exists already`);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: runPk(runId), sk: RUN_SK }, ConsistentRead: true }),
    );
    return Item ? runRecordFromItem(Item) : undefined;
  }

  async updateRun(runId: string, changes: RunChanges): Promise<void> {
    const set = setClause(changes);
    if (!set) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: set.expression,
          ExpressionAttributeNames: set.names,
          ExpressionAttributeValues: set.values,
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new Error(`run ${runId} not found`);
      throw error;
    }
  }

  async listRuns(limit: number, owner?: string): Promise<RunRecord[]> {
    const { runsIndex, ownerIndex } = RUNS_TABLE;
    const [index, key, value] = owner === undefined ? [runsIndex.name, runsIndex.partitionKey, runsIndex.listPkValue] : [ownerIndex.name, ownerIndex.partitionKey, owner];
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: '#key = :value',
        ExpressionAttributeNames: { '#key': key },
        ExpressionAttributeValues: { ':value': value },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(runRecordFromItem);
  }

  async requestStop(runId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: 'SET stopRequested = :yes',
          ExpressionAttributeValues: { ':yes': true },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new Error(`run ${runId} not found`);
      throw error;
    }
  }

  async isStopRequested(runId: string): Promise<boolean> {
    // Every worker reads this about once a second. An eventually consistent read costs half and is
    // typically current within a second, which the "every worker ends within ~2 s" bound allows.
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: RUN_SK },
        ProjectionExpression: 'stopRequested',
      }),
    );
    return Item?.stopRequested === true;
  }

  async claimSlice(task: SliceTask, owner: string): Promise<boolean> {
    const key = { pk: partsPk(task.runId, shardOfLane(task.lane)), sk: claimSk(task.slice, task.lane) };
    if (await this.putOnce({ ...key, owner, claimedAt: Date.now(), expiresAt: this.ttl() })) return true;
    // Taken: by another invocation, or by this one in an attempt whose answer was lost (the SDK
    // retried a put that had been applied). Only the owner may go on.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item?.owner === owner;
  }

  /** Every item of the run's part shards whose sort key starts with `prefix`, as sort keys. */
  private async partKeys(runId: string, prefix: string): Promise<string[]> {
    const shards = await Promise.all(Array.from({ length: PART_SHARDS }, (_, shard) => this.queryPrefix(partsPk(runId, shard), prefix, 'sk')));
    return shards.flat().map((item) => String(item.sk));
  }

  /** Every item under `pk` whose sort key starts with `prefix`, page after page, read consistently. */
  private async queryPrefix(pk: string, prefix: string, projection?: string): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ...(projection ? { ProjectionExpression: projection } : {}),
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async listClaims(runId: string, slice: number): Promise<number[]> {
    const prefix = `${CLAIM_SK_PREFIX}${slice}#`;
    return (await this.partKeys(runId, prefix)).map((sk) => Number(sk.slice(prefix.length))).sort((a, b) => a - b);
  }

  async completePart(part: StepPartKey): Promise<boolean> {
    return this.putOnce({
      pk: partsPk(part.runId, shardOfLane(part.lane)),
      sk: doneSk(part.step, part.slice, part.lane),
      doneAt: Date.now(),
      expiresAt: this.ttl(),
    });
  }

  async listDoneParts(runId: string, step: number): Promise<SliceRef[]> {
    const prefix = `${DONE_SK_PREFIX}${step}#`;
    return (await this.partKeys(runId, prefix)).map((sk) => {
      const [slice, lane] = sk.slice(prefix.length).split('#').map(Number);
      return { slice: slice!, lane: lane! };
    });
  }

  async putStep(step: StepRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...step, pk: runPk(step.runId), sk: stepSk(step.step), expiresAt: this.ttl() },
      }),
    );
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    const items = await this.queryPrefix(runPk(runId), STEP_SK_PREFIX);
    return items.map(stepRecordFromItem).sort((a, b) => a.step - b.step);
  }

  async acquireFinalization(runId: string, owner: string, options: FinalizationOptions): Promise<boolean> {
    const now = Date.now();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: 'SET finalizingBy = :owner, finalizingUntil = :until',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(finalizingBy) OR finalizingBy = :owner OR finalizingUntil < :now)' +
            (options.whileRunning ? ' AND #status = :running' : ''),
          ExpressionAttributeValues: { ':owner': owner, ':until': now + options.leaseMs, ':now': now, ...(options.whileRunning ? { ':running': 'running' } : {}) },
          ...(options.whileRunning ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async completeFinalization(runId: string, owner: string, run: FinalizedRun): Promise<boolean> {
    // A finalised run always sets its status and end: the clause is never empty.
    const set = setClause(run)!;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: `${set.expression} REMOVE finalizingBy, finalizingUntil`,
          ConditionExpression: 'finalizingBy = :owner',
          ExpressionAttributeNames: set.names,
          ExpressionAttributeValues: { ...set.values, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordFailure(runId: string, failure: FailedInvocation): Promise<void> {
    // Keyed by the request id: a record delivered twice overwrites itself.
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...failure, pk: runPk(runId), sk: failedSk(failure.requestId), expiresAt: this.ttl() } }),
    );
  }

  async listFailures(runId: string): Promise<FailedInvocation[]> {
    const items = await this.queryPrefix(runPk(runId), FAILED_SK_PREFIX);
    return items.map(failedInvocationFromItem).sort((a, b) => a.at - b.at);
  }
}

/** `SET #f0 = :v0, …` for the fields given a value; undefined when there are none. */
function setClause(changes: object): { expression: string; names: Record<string, string>; values: Record<string, unknown> } | undefined {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return undefined;
  return {
    expression: `SET ${entries.map((_, index) => `#f${index} = :v${index}`).join(', ')}`,
    names: Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name])),
    values: Object.fromEntries(entries.map(([, value], index) => [`:v${index}`, value])),
  };
}
