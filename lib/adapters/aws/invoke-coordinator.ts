import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { coordinatorResultSchema, type CoordinatorEvent, type CoordinatorResult } from '../../lambda/lambda-events.js';

/** Runs the coordinator function and waits for its answer (a RequestResponse invoke). */
export async function invokeCoordinator(client: LambdaClient, functionName: string, event: CoordinatorEvent): Promise<CoordinatorResult> {
  const response = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(event)),
    }),
  );
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  if (response.FunctionError) {
    let message = text;
    try {
      const error = JSON.parse(text) as { errorMessage?: unknown };
      if (typeof error.errorMessage === 'string') message = error.errorMessage;
    } catch {
      // Not JSON: the raw payload says what happened.
    }
    throw new Error(`the coordinator failed (${response.FunctionError}): ${message}`);
  }
  return coordinatorResultSchema.parse(JSON.parse(text));
}
