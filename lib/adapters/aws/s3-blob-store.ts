import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../../ports/blob-store.js';

/** Every key fanout writes lives under this prefix of the results bucket (IAM grants only it). */
export const RUNS_PREFIX = 'runs/';

/**
 * Raw slice histograms carry this tag, so that the bucket's lifecycle rule can expire them (a
 * lifecycle prefix cannot match `runs/<any run>/steps/`) while plans and reports stay.
 */
export const SLICE_TAG = { key: 'fanout-data', value: 'slice' } as const;

const SLICE_KEY = /\/steps\/\d+\/slices\//;

export interface S3BlobStoreOptions {
  /** Keys per ListObjectsV2 page (S3's maximum is 1000); smaller only to exercise paging. */
  pageSize?: number;
}

/** The BlobStore on S3: key `K` is object `runs/K` of the results bucket. */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly options: S3BlobStoreOptions = {},
  ) {}

  objectKey(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '')) throw new Error(`invalid blob key ${key}`);
    return `${RUNS_PREFIX}${key}`;
  }

  async put(key: string, body: string | Uint8Array, contentType = typeof body === 'string' ? 'application/json' : 'application/octet-stream'): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: body,
        ContentType: contentType,
        ...(SLICE_KEY.test(key) ? { Tagging: `${SLICE_TAG.key}=${SLICE_TAG.value}` } : {}),
      }),
    );
  }

  async get(key: string): Promise<string | undefined> {
    const bytes = await this.getBytes(key);
    return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }

  async getBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${RUNS_PREFIX}${prefix}`,
          ContinuationToken: continuationToken,
          MaxKeys: this.options.pageSize,
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(RUNS_PREFIX.length));
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }
}
