import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { z } from 'zod';
import type { RunSecrets } from './collect-secrets.js';

/**
 * Envelope encryption of a run's secrets under the stack's KMS key: KMS makes a fresh data key
 * (GenerateDataKey, which only the coordinator may call), the secrets are sealed with it here
 * (AES-256-GCM), and only the encrypted data key is kept beside them. A worker asks KMS to decrypt
 * that key (Decrypt, which only the worker role may call). Both name the run in the encryption
 * context, so an envelope opens only as its own run's: KMS refuses one moved to another run.
 */
export const ENVELOPE_VERSION = 1;

export const secretsEnvelopeSchema = z.strictObject({
  version: z.literal(ENVELOPE_VERSION),
  keyId: z.string().min(1),
  encryptedKey: z.base64(),
  iv: z.base64(),
  tag: z.base64(),
  ciphertext: z.base64(),
});
export type SecretsEnvelope = z.infer<typeof secretsEnvelopeSchema>;

const secretEntrySchema = z.strictObject({ value: z.string(), marker: z.string(), alternates: z.array(z.string()) });
export const runSecretsSchema = z.strictObject({ entries: z.array(secretEntrySchema), env: z.record(z.string(), z.string()) }) satisfies z.ZodType<RunSecrets>;

const encryptionContext = (runId: string) => ({ 'fanout:runId': runId });

export async function sealSecrets(kms: KMSClient, keyId: string, runId: string, secrets: RunSecrets): Promise<SecretsEnvelope> {
  const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext(runId) }));
  if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new Error('KMS GenerateDataKey returned no key');
  const key = Buffer.from(dataKey.Plaintext);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(runId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return {
      version: ENVELOPE_VERSION,
      keyId: dataKey.KeyId ?? keyId,
      encryptedKey: Buffer.from(dataKey.CiphertextBlob).toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    key.fill(0);
    dataKey.Plaintext.fill(0);
  }
}

export async function openSecrets(kms: KMSClient, runId: string, envelope: SecretsEnvelope): Promise<RunSecrets> {
  const dataKey = await kms.send(
    new DecryptCommand({ CiphertextBlob: Buffer.from(envelope.encryptedKey, 'base64'), KeyId: envelope.keyId, EncryptionContext: encryptionContext(runId) }),
  );
  if (!dataKey.Plaintext) throw new Error('KMS Decrypt returned no key');
  const key = Buffer.from(dataKey.Plaintext);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAAD(Buffer.from(runId, 'utf8'));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    const text = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    return runSecretsSchema.parse(JSON.parse(text));
  } finally {
    key.fill(0);
    dataKey.Plaintext.fill(0);
  }
}
