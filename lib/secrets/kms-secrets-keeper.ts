import { KMSClient } from '@aws-sdk/client-kms';
import { z } from 'zod';
import { InputError } from '../config/input-error.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { SecretsKeeper } from '../ports/secrets-keeper.js';
import type { RunSecrets } from './collect-secrets.js';
import { openSecrets, sealSecrets, secretsEnvelopeSchema } from './kms-envelope.js';

/**
 * Beside the plan, under the same `plan` prefix the worker role may read (`runs/*\/plan*`): the
 * envelope is worth nothing without KMS Decrypt, which only the worker role has.
 */
export function planSecretsKey(runId: string): string {
  return `${runId}/plan-secrets.json`;
}

/** The stack's secrets key (serverless.yml's SecretsKey) and, on an emulated stack, KMS's local endpoint. */
export const secretsEnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  FANOUT_SECRETS_KEY_ID: z.string().min(1).optional(),
  FANOUT_KMS_ENDPOINT: z.url().optional(),
});

/** The run's secrets, encrypted under the stack's KMS key, in the results bucket. */
export class KmsSecretsKeeper implements SecretsKeeper {
  constructor(
    private readonly blobs: BlobStore,
    private readonly kms: KMSClient,
    private readonly keyId: string | undefined,
  ) {}

  async keep(runId: string, secrets: RunSecrets): Promise<void> {
    if (!this.keyId) {
      throw new InputError([{ field: 'requests', message: 'the run carries credentials, and this stack has no secrets key to encrypt them with (FANOUT_SECRETS_KEY_ID): redeploy it' }]);
    }
    const envelope = await sealSecrets(this.kms, this.keyId, runId, secrets);
    await this.blobs.put(planSecretsKey(runId), JSON.stringify(envelope), 'application/json');
  }

  async open(runId: string): Promise<RunSecrets> {
    const text = await this.blobs.get(planSecretsKey(runId));
    if (text === undefined) throw new Error(`run ${runId} has secrets, but no ${planSecretsKey(runId)}`);
    return openSecrets(this.kms, runId, secretsEnvelopeSchema.parse(JSON.parse(text)));
  }
}

let cached: { key: string; kms: KMSClient } | undefined;

/** The keeper a function uses, from its environment; the KMS client is kept while the environment stays. */
export function kmsSecretsKeeper(blobs: BlobStore, env: Record<string, string | undefined> = process.env): KmsSecretsKeeper {
  const config = secretsEnvSchema.parse(env);
  const key = JSON.stringify(config);
  if (cached?.key !== key) {
    const kms = new KMSClient({ region: config.AWS_REGION, maxAttempts: 6, ...(config.FANOUT_KMS_ENDPOINT ? { endpoint: config.FANOUT_KMS_ENDPOINT } : {}) });
    cached = { key, kms };
  }
  return new KmsSecretsKeeper(blobs, cached.kms, config.FANOUT_SECRETS_KEY_ID);
}
