import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { matchRoute } from '../api/routes.js';
import type { AwsCredentials } from '../aws-http/sign-request.js';
import { signatureProblem } from '../aws-http/verify-signature.js';
import { LoopbackServer, readRequestText } from './loopback-server.js';

/** What an HTTP API Lambda integration returns (payload format 2.0, structured). */
const integrationResultSchema = z.object({
  statusCode: z.number().int(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
});

export interface HttpApiEmulatorOptions {
  /** Calls the api function with an event and resolves to its result (or rejects with its error). */
  invokeApi: (event: unknown) => Promise<unknown>;
  /**
   * Like the deployed routes' AWS_IAM authoriser, refuse requests without a valid SigV4 signature
   * for this region and execute-api; signatures by `known` are recomputed and compared (see
   * verify-signature.ts: there are no IAM users here to know other keys by).
   */
  region: string;
  known: AwsCredentials;
  /** An injected fault: whether this request fails with 503 Service Unavailable, as API Gateway answers when overloaded. */
  failRequest?: () => boolean;
}

/** The emulated account's identity for an access key: the emulator's own key is `fanout-emulator`. */
export function emulatedIamIdentity(authorization: string, known: AwsCredentials): { accessKey: string; accountId: string; callerId: string; userArn: string; userId: string } {
  const accessKey = /Credential=([^/]+)\//.exec(authorization)?.[1] ?? 'anonymous';
  const user = accessKey === known.accessKeyId ? 'fanout-emulator' : accessKey;
  return { accessKey, accountId: '000000000000', callerId: `AIDA${accessKey}`, userArn: `arn:aws:iam::000000000000:user/${user}`, userId: `AIDA${accessKey}` };
}

function reply(response: ServerResponse, status: number, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): void {
  response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) }).end(body);
}

/**
 * API Gateway's HTTP API on 127.0.0.1: routes as serverless.yml declares them (lib/api/routes.ts),
 * the api function invoked with a payload-2.0 event, its structured result written back. An error
 * thrown by the function answers 500, as API Gateway does.
 */
export class HttpApiEmulator {
  private readonly http = new LoopbackServer(
    'the HTTP API emulator',
    (request, response) => this.handle(request, response),
    (response, error) => reply(response, 500, JSON.stringify({ message: 'Internal Server Error', detail: String(error) })),
  );

  constructor(private readonly options: HttpApiEmulatorOptions) {}

  start(port = 0): Promise<string> {
    return this.http.start(port);
  }

  get url(): string {
    return this.http.url;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const match = matchRoute(method, url.pathname);
    const body = await readRequestText(request);
    if (this.options.failRequest?.()) return reply(response, 503, JSON.stringify({ message: 'Service Unavailable' }));
    if (!match) return reply(response, 404, JSON.stringify({ message: 'Not Found' }));
    const headers = Object.fromEntries(
      Object.entries(request.headers)
        .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
        .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
    );
    const signedUrl = new URL(request.url ?? '/', `http://${headers.host ?? '127.0.0.1'}`);
    const problem = await signatureProblem({ method, url: signedUrl, headers, body }, { region: this.options.region, service: 'execute-api', known: this.options.known });
    if (problem !== undefined) return reply(response, 403, JSON.stringify({ message: 'Forbidden', reason: problem }));
    const query = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined;
    const now = Date.now();
    const event = {
      version: '2.0',
      routeKey: match.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(query ? { queryStringParameters: query } : {}),
      ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
      ...(body !== '' ? { body } : {}),
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'emulated',
        domainName: url.host,
        domainPrefix: 'emulated',
        http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: match.routeKey,
        // As the AWS_IAM authoriser fills it: here every access key stands for an IAM user of its name.
        authorizer: { iam: emulatedIamIdentity(headers.authorization ?? '', this.options.known) },
        stage: '$default',
        time: new Date(now).toUTCString(),
        timeEpoch: now,
      },
    };
    let result: z.infer<typeof integrationResultSchema>;
    try {
      result = integrationResultSchema.parse(await this.options.invokeApi(event));
    } catch {
      return reply(response, 500, JSON.stringify({ message: 'Internal Server Error' }));
    }
    const resultHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
    const text = result.isBase64Encoded && result.body ? Buffer.from(result.body, 'base64').toString('utf8') : (result.body ?? '');
    reply(response, result.statusCode, text, resultHeaders);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
