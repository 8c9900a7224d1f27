import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoTargetOptions {
  /** Requests served at once; the rest wait in line, so latency climbs once they are all busy. */
  slots: number;
  /** How long each request holds a slot. */
  serviceTimeMs: number;
  port?: number;
  host?: string;
}

export interface DemoTarget {
  url: string;
  /** Requests received so far. */
  received(): number;
  close(): Promise<void>;
}

/**
 * A service with a fixed capacity (slots / service time requests per second), so that a step run
 * shows a knee: flat latency while a slot is free, then latency growing with the queue.
 */
export async function startDemoTarget(options: DemoTargetOptions): Promise<DemoTarget> {
  let busy = 0;
  let received = 0;
  const queue: ServerResponse[] = [];
  const serve = (response: ServerResponse) => {
    busy++;
    setTimeout(() => {
      busy--;
      if (!response.destroyed) response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' }).end('ok\n');
      const next = queue.shift();
      if (next) serve(next);
    }, options.serviceTimeMs);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    received++;
    request.resume();
    request.on('end', () => {
      if (busy < options.slots) serve(response);
      else queue.push(response);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}/`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
