import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsCredentials } from '../../aws-http/sign-request.js';
import type { Architecture } from '../../cost/estimate-cost.js';

/** What the CLI needs of a deployed fanout stack. */
export interface DeployedStack {
  apiUrl: string;
  workerMemoryMb?: number;
  architecture?: Architecture;
}

/** The AWS default credential chain (environment, AWS_PROFILE, SSO, instance or task role). */
export function defaultCredentials(region: string): () => Promise<AwsCredentials> {
  const client = new CloudFormationClient({ region });
  return async () => client.config.credentials();
}

/** Reads the stack's outputs (serverless.yml's HttpApiUrl, WorkerFunctionName) and the worker's size. */
export async function findDeployedStack(stackName: string, region: string): Promise<DeployedStack> {
  const cloudFormation = new CloudFormationClient({ region });
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  const apiUrl = outputs.get('HttpApiUrl');
  if (!apiUrl) throw new Error(`stack ${stackName} in ${region} has no HttpApiUrl output: is it a fanout stack (npx sls deploy)?`);
  const workerFunction = outputs.get('WorkerFunctionName');
  if (!workerFunction) return { apiUrl };
  const lambda = new LambdaClient({ region });
  const worker = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: workerFunction }));
  const architecture = worker.Architectures?.[0];
  return {
    apiUrl,
    ...(worker.MemorySize ? { workerMemoryMb: worker.MemorySize } : {}),
    ...(architecture === 'arm64' || architecture === 'x86_64' ? { architecture } : {}),
  };
}
