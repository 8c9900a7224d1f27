import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a target received: each request's target (path and query) and headers, as sent. */
export interface ReceivedRequest {
  url: string;
  headers: IncomingHttpHeaders;
}

export interface RecordingTarget {
  url: string;
  port: number;
  requests(): ReceivedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers 200 and keeps every request's URL and headers. */
export async function startRecordingTarget(): Promise<RecordingTarget> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    received.push({ url: request.url ?? '/', headers: { ...request.headers } });
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok'));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
