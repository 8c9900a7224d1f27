import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { LoopbackServer, readRequestText } from './loopback-server.js';

/** One KMS call as the emulator saw it: tests read who asked for what under which context. */
export interface KmsCall {
  operation: string;
  keyId: string;
  encryptionContext: Record<string, string>;
  /** Refused (wrong key, wrong context, tampered ciphertext). */
  error?: string;
}

const contextSchema = z.record(z.string(), z.string()).default({});
const generateDataKeySchema = z.object({
  KeyId: z.string(),
  KeySpec: z.enum(['AES_256', 'AES_128']).optional(),
  NumberOfBytes: z.number().int().min(1).max(1024).optional(),
  EncryptionContext: contextSchema,
});
const encryptSchema = z.object({ KeyId: z.string(), Plaintext: z.base64(), EncryptionContext: contextSchema });
const decryptSchema = z.object({ CiphertextBlob: z.base64(), KeyId: z.string().optional(), EncryptionContext: contextSchema });

const MAGIC = Buffer.from('fkms1');

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * AWS KMS on 127.0.0.1, as far as fanout uses it (AWS JSON 1.1: GenerateDataKey, Encrypt, Decrypt)
 * with one symmetric key. As KMS does, a ciphertext opens only with the encryption context it was
 * made with, and only under its own key; tampering is detected. It does not check signatures or
 * key policies (there is no IAM here): the template test checks those.
 */
export class KmsEmulator {
  readonly calls: KmsCall[] = [];
  readonly keyId = randomUUID();
  readonly keyArn: string;
  private readonly master = randomBytes(32);
  private readonly http = new LoopbackServer(
    'the KMS emulator',
    (request, response) => this.handle(request, response),
    (response, error) => this.fail(response, new KmsFault('KMSInternalException', String(error))),
  );

  constructor(region = 'us-east-1') {
    this.keyArn = `arn:aws:kms:${region}:000000000000:key/${this.keyId}`;
  }

  start(port = 0): Promise<string> {
    return this.http.start(port);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private knows(keyId: string): boolean {
    return keyId === this.keyId || keyId === this.keyArn;
  }

  private aad(context: Record<string, string>): Buffer {
    const canonical = Object.keys(context)
      .sort()
      .map((key) => [key, context[key]]);
    return Buffer.from(`${this.keyArn}\n${JSON.stringify(canonical)}`, 'utf8');
  }

  private encrypt(plaintext: Buffer, context: Record<string, string>): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master, iv);
    cipher.setAAD(this.aad(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  private decrypt(blob: Buffer, context: Record<string, string>): Buffer {
    if (!blob.subarray(0, MAGIC.length).equals(MAGIC)) throw new KmsFault('InvalidCiphertextException', 'not a ciphertext of this key');
    const iv = blob.subarray(MAGIC.length, MAGIC.length + 12);
    const tag = blob.subarray(MAGIC.length + 12, MAGIC.length + 28);
    const decipher = createDecipheriv('aes-256-gcm', this.master, iv);
    decipher.setAAD(this.aad(context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(MAGIC.length + 28)), decipher.final()]);
    } catch {
      // KMS says no more than this when the context (or anything else) does not match.
      throw new KmsFault('InvalidCiphertextException', 'the ciphertext does not open with this key and encryption context');
    }
  }

  private answer(operation: string, body: unknown): object {
    switch (operation) {
      case 'GenerateDataKey': {
        const request = generateDataKeySchema.parse(body);
        this.calls.push({ operation, keyId: request.KeyId, encryptionContext: request.EncryptionContext });
        if (!this.knows(request.KeyId)) throw new KmsFault('NotFoundException', `key ${request.KeyId} does not exist`);
        const plaintext = randomBytes(request.NumberOfBytes ?? (request.KeySpec === 'AES_128' ? 16 : 32));
        return { KeyId: this.keyArn, Plaintext: plaintext.toString('base64'), CiphertextBlob: this.encrypt(plaintext, request.EncryptionContext).toString('base64') };
      }
      case 'Encrypt': {
        const request = encryptSchema.parse(body);
        this.calls.push({ operation, keyId: request.KeyId, encryptionContext: request.EncryptionContext });
        if (!this.knows(request.KeyId)) throw new KmsFault('NotFoundException', `key ${request.KeyId} does not exist`);
        const blob = this.encrypt(Buffer.from(request.Plaintext, 'base64'), request.EncryptionContext);
        return { KeyId: this.keyArn, CiphertextBlob: blob.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      case 'Decrypt': {
        const request = decryptSchema.parse(body);
        const call: KmsCall = { operation, keyId: request.KeyId ?? this.keyArn, encryptionContext: request.EncryptionContext };
        this.calls.push(call);
        try {
          if (request.KeyId !== undefined && !this.knows(request.KeyId)) throw new KmsFault('IncorrectKeyException', `the ciphertext was not made with key ${request.KeyId}`);
          const plaintext = this.decrypt(Buffer.from(request.CiphertextBlob, 'base64'), request.EncryptionContext);
          return { KeyId: this.keyArn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
        } catch (error) {
          call.error = error instanceof Error ? error.message : String(error);
          throw error;
        }
      }
      default:
        throw new KmsFault('UnsupportedOperationException', `${operation} is not emulated`);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : target;
    const text = await readRequestText(request);
    try {
      const body = JSON.stringify(this.answer(operation, text === '' ? {} : JSON.parse(text)));
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) }).end(body);
    } catch (error) {
      this.fail(response, error instanceof KmsFault ? error : new KmsFault('ValidationException', error instanceof Error ? error.message : String(error)));
    }
  }

  private fail(response: ServerResponse, fault: KmsFault): void {
    const body = JSON.stringify({ __type: fault.type, message: fault.message });
    response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': fault.type, 'content-length': Buffer.byteLength(body) }).end(body);
  }
}
