import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SliceTask, StepPartKey } from '../../plan/slice-task.js';
import type { PartCompletion, ResultStore, RunRecord, StepRecord } from '../../ports/result-store.js';
import {
  DEFAULT_RETENTION_DAYS,
  RUNS_TABLE,
  RUN_SK,
  STEP_SK_PREFIX,
  claimSk,
  countSk,
  doneSk,
  expiresAt,
  runPk,
  stepSk,
} from './runs-table.js';
import { runRecordFromItem, stepRecordFromItem } from './table-items.js';

export interface DynamoResultStoreOptions {
  /** Days before the TTL deletes a run's items. */
  retentionDays?: number;
}

type RunChanges = Partial<Pick<RunRecord, 'status' | 'endedAt' | 'reportKey'>>;

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException';
}

/**
 * The ResultStore on one DynamoDB table, without transactions: a claim or a completion is a
 * conditional put (only the first writer succeeds), the step's completion count an atomic `ADD`
 * done only by that first writer, so that a duplicated worker invocation counts once.
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
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: `SET ${entries.map((_, index) => `#f${index} = :v${index}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name])),
          ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], index) => [`:v${index}`, value])),
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

  async claimSlice(task: SliceTask): Promise<boolean> {
    return this.putOnce({
      pk: runPk(task.runId),
      sk: claimSk(task.slice, task.lane),
      claimedAt: Date.now(),
      expiresAt: this.ttl(),
    });
  }

  async completePart(part: StepPartKey): Promise<PartCompletion> {
    const first = await this.putOnce({
      pk: runPk(part.runId),
      sk: doneSk(part.step, part.slice, part.lane),
      doneAt: Date.now(),
      expiresAt: this.ttl(),
    });
    const key = { pk: runPk(part.runId), sk: countSk(part.step) };
    if (!first) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return { first, doneInStep: typeof Item?.done === 'number' ? Item.done : 0 };
    }
    // Only the first writer of the completion adds to the count. Should this process die between
    // the put and the ADD, the step waits for the run's deadline, which merges it all the same.
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD done :one SET expiresAt = :ttl',
        ExpressionAttributeValues: { ':one': 1, ':ttl': this.ttl() },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { first, doneInStep: Number(Attributes?.done ?? 0) };
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
    const steps: StepRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :step)',
          ExpressionAttributeValues: { ':pk': runPk(runId), ':step': STEP_SK_PREFIX },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) steps.push(stepRecordFromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return steps.sort((a, b) => a.step - b.step);
  }
}
