import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An emulator's HTTP endpoint on 127.0.0.1: started on a free port unless one is given, its URL
 * readable once started, closed with its open connections. `onError` answers a request whose
 * handler threw (in the emulated service's own error format).
 */
export class LoopbackServer {
  private server: Server | undefined;

  constructor(
    private readonly name: string,
    private readonly handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
    private readonly onError: (response: ServerResponse, error: unknown) => void,
  ) {}

  async start(port = 0): Promise<string> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) this.onError(response, error);
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    return this.url;
  }

  get url(): string {
    if (!this.server) throw new Error(`${this.name} is not started`);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A request's whole body. */
export function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** A request's whole body as UTF-8 text (the emulated APIs take JSON or nothing). */
export async function readRequestText(request: IncomingMessage): Promise<string> {
  return (await readRequestBody(request)).toString('utf8');
}
