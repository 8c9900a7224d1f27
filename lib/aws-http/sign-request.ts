import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SDK's default provider chain resolves them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface SigningScope {
  region: string;
  /** `execute-api` for API Gateway. */
  service: string;
}

/** What the signer hands its hash (the SDK's SourceData). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** node:crypto as the signer's hash (SHA-256, or HMAC-SHA256 when given a key). */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }
}

/**
 * Signs a request with AWS Signature Version 4 (what an AWS_IAM-authorised API Gateway route
 * checks), by the AWS SDK's own signer, and returns the headers to send: the given ones (lower-cased)
 * plus host, x-amz-date, the session token if any, and authorization.
 */
export async function signRequest(request: RequestToSign, credentials: AwsCredentials, scope: SigningScope, now = new Date()): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials, region: scope.region, service: scope.service, sha256: NodeSha256, uriEscapePath: true, applyChecksum: false });
  const signed = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port === '' ? {} : { port: Number(request.url.port) }),
      path: request.url.pathname === '' ? '/' : request.url.pathname,
      query: queryOf(request.url),
      headers: {
        ...Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
        host: request.url.host,
      },
      body: request.body,
    },
    { signingDate: now },
  );
  return signed.headers;
}

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  return query;
}
