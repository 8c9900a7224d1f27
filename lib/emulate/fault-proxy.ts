import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { FaultDice } from './fault-dice.js';
import { LoopbackServer, readRequestBody } from './loopback-server.js';

export type ProxiedService = 's3' | 'dynamodb';

export interface FaultProxyOptions {
  service: ProxiedService;
  /** The emulator's endpoint (s3rver, dynalite). */
  upstream: string;
  /** Probability that a call is refused with the service's retryable throttling error, not forwarded. */
  errorRate: number;
  /** Probability that a call is carried out but its answer lost (the connection reset): the caller retries a call that took effect. */
  lostResponseRate?: number;
  seed: number;
}

/** What a proxy did, for tests to see that the faults were really there. */
export interface FaultProxyCounts {
  forwarded: number;
  refused: number;
  answersLost: number;
}

const S3_SLOW_DOWN = (requestId: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  `<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>${requestId}</RequestId><HostId>fanout-fault-proxy</HostId></Error>`;

const DYNAMODB_THROTTLES = [
  {
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' },
];

/**
 * A small HTTP proxy in front of an emulated S3 or DynamoDB that fails calls the way the real
 * service does when it is busy, so that the stack's retries are exercised: S3 answers 503
 * SlowDown, DynamoDB 400 ProvisionedThroughputExceededException or ThrottlingException (both
 * retryable, neither carried out). Rolls are seeded: the same calls fail on every run.
 */
export class FaultProxy {
  readonly counts: FaultProxyCounts = { forwarded: 0, refused: 0, answersLost: 0 };
  private readonly upstream: URL;
  private readonly errors: FaultDice;
  private readonly losses: FaultDice;
  private readonly kinds: FaultDice;
  private readonly http: LoopbackServer;

  constructor(private readonly options: FaultProxyOptions) {
    this.http = new LoopbackServer(
      `the ${options.service} fault proxy`,
      (request, response) => this.handle(request, response),
      (response, error) => void response.writeHead(502, { 'content-type': 'text/plain' }).end(String(error)),
    );
    this.upstream = new URL(options.upstream);
    this.errors = new FaultDice(options.seed, `${options.service}-error`);
    this.losses = new FaultDice(options.seed, `${options.service}-lost`);
    this.kinds = new FaultDice(options.seed, `${options.service}-kind`);
  }

  start(): Promise<string> {
    return this.http.start(0);
  }

  get url(): string {
    return this.http.url;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readRequestBody(request);
    if (this.errors.roll(this.options.errorRate)) {
      this.counts.refused++;
      return this.refuse(request, response);
    }
    const loseAnswer = this.losses.roll(this.options.lostResponseRate ?? 0);
    const upstream = await forward(this.upstream, request, body);
    this.counts.forwarded++;
    if (loseAnswer) {
      this.counts.answersLost++;
      upstream.resume();
      // The call took effect; its caller only sees the connection drop.
      request.socket.destroy();
      return;
    }
    response.writeHead(upstream.statusCode ?? 502, upstream.headers);
    upstream.pipe(response);
  }

  private refuse(request: IncomingMessage, response: ServerResponse): void {
    const requestId = randomUUID();
    if (this.options.service === 's3') {
      const text = request.method === 'HEAD' ? '' : S3_SLOW_DOWN(requestId);
      response.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text), 'x-amz-request-id': requestId }).end(text);
      return;
    }
    const text = JSON.stringify(DYNAMODB_THROTTLES[this.kinds.roll(0.5) ? 1 : 0]);
    response
      .writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId })
      .end(text);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

function forward(upstream: URL, request: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new FaultProxy(options);
  await proxy.start();
  return proxy;
}
