import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark target when nginx is not installed: one node:http process answering "ok" on
 * keep-alive connections. Prints {"port": N} once it listens.
 */
const body = Buffer.from('ok');
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  response.end(body);
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.maxConnections = 20_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
