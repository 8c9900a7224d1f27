import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3BlobStore } from './s3-blob-store.js';

/** A presigned GET for one object of the results bucket: the report downloads without AWS credentials. */
export async function presignedLink(client: S3Client, blobs: S3BlobStore, key: string, expiresInS: number): Promise<string> {
  return getSignedUrl(client, new GetObjectCommand({ Bucket: blobs.bucket, Key: blobs.objectKey(key) }), { expiresIn: expiresInS });
}
