import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaQuotas } from '../../coordinator/check-quotas.js';

/** Reads the account's concurrency pool and the worker's reservation from the Lambda API. */
export async function readLambdaQuotas(client: LambdaClient, workerFunction: string): Promise<LambdaQuotas> {
  const [account, worker] = await Promise.all([
    client.send(new GetAccountSettingsCommand({})),
    client.send(new GetFunctionConcurrencyCommand({ FunctionName: workerFunction })),
  ]);
  const unreserved = account.AccountLimit?.UnreservedConcurrentExecutions;
  if (unreserved === undefined) throw new Error('GetAccountSettings returned no AccountLimit.UnreservedConcurrentExecutions');
  return { unreservedAccountConcurrency: unreserved, workerReservedConcurrency: worker.ReservedConcurrentExecutions };
}
