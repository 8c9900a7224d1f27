import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointFor, HttpConnection, type ResponseHandler } from '../../lib/engine/http-connection.js';
import { PreparedRequest } from '../../lib/engine/request-mix.js';
import { RequestNameStats } from '../../lib/engine/request-names.js';
import type { NamedRequest } from '../../lib/config/run-settings.js';

type Outcome = { status: number } | { error: Error & { code?: string } };

/** A connection driven one request at a time, for tests. */
class TestClient implements ResponseHandler {
  readonly connection: HttpConnection;
  private settle: ((outcome: Outcome) => void) | undefined;

  constructor(url: string, options: { timeoutMs?: number; idleMs?: number } = {}) {
    this.connection = new HttpConnection(endpointFor(new URL(url), options.timeoutMs ?? 5000, options.idleMs ?? 10_000), this);
  }

  send(request: Partial<NamedRequest> = {}): Promise<Outcome> {
    const spec: NamedRequest = { name: 'r', method: 'GET', path: '/', headers: {}, weight: 1, ...request };
    const host = 'test.local';
    return new Promise((resolve) => {
      this.settle = resolve;
      this.connection.send(new PreparedRequest(spec, host, new RequestNameStats()), performance.now());
    });
  }

  onResponse(status: number): void {
    this.settle?.({ status });
  }

  onFailure(error: Error): void {
    this.settle?.({ error });
  }

  close(): void {
    this.connection.destroy();
  }
}

async function listen<T extends HttpServer | NetServer>(server: T): Promise<{ server: T; url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function countConnections(server: HttpServer | NetServer): () => number {
  let connections = 0;
  server.on('connection', () => connections++);
  return () => connections;
}

test('keep-alive: one connection carries many requests, chunked and fixed-length, with the exact request bytes', async () => {
  const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];
  const { server, url, close } = await listen(
    createHttpServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method!, url: request.url!, headers: request.headers, body });
        if (request.url === '/chunked') {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.write('a'.repeat(70_000));
          setTimeout(() => response.end('tail'), 5);
        } else {
          response.writeHead(request.url === '/missing' ? 404 : 200, { 'content-length': '2' }).end('ok');
        }
      });
    }),
  );
  const connections = countConnections(server);
  const client = new TestClient(url);
  try {
    assert.deepEqual(await client.send(), { status: 200 });
    assert.deepEqual(await client.send({ path: '/chunked' }), { status: 200 });
    assert.deepEqual(await client.send({ path: '/missing' }), { status: 404 });
    assert.deepEqual(await client.send({ method: 'POST', path: '/items?x=1', json: { id: 7 }, headers: { 'X-Trace': 'abc' } }), { status: 200 });
    assert.deepEqual(await client.send({ method: 'HEAD' }), { status: 200 });
    assert.equal(connections(), 1, 'every request went over the same connection');
    const post = seen[3]!;
    assert.equal(post.method, 'POST');
    assert.equal(post.url, '/items?x=1');
    assert.equal(post.body, '{"id":7}');
    assert.equal(post.headers['content-type'], 'application/json');
    assert.equal(post.headers['content-length'], '8');
    assert.equal(post.headers['x-trace'], 'abc');
    assert.equal(post.headers.host, 'test.local');
    assert.equal(post.headers.connection, 'keep-alive');
    assert.equal(seen[0]!.headers['content-length'], undefined, 'a GET carries no content-length');
  } finally {
    client.close();
    await close();
  }
});

test('a server that closes (Connection: close, idle timeout, or its keep-alive hint) gets a new connection, not an error', async () => {
  // Answers keep-alive requests; /close says Connection: close; an idle connection is closed after 100 ms.
  const { server, url, close } = await listen(
    createNetServer((socket) => {
      let idle: NodeJS.Timeout | undefined;
      socket.on('data', (data: Buffer) => {
        clearTimeout(idle);
        const closing = data.toString('latin1').startsWith('GET /close ');
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${closing ? 'Connection: close\r\n' : ''}\r\nok`);
        if (closing) socket.end();
        else idle = setTimeout(() => socket.end(), 100);
      });
      socket.on('close', () => clearTimeout(idle));
    }),
  );
  const connections = countConnections(server);
  const client = new TestClient(url);
  try {
    assert.deepEqual(await client.send({ path: '/close' }), { status: 200 });
    assert.deepEqual(await client.send(), { status: 200 });
    assert.equal(connections(), 2, 'Connection: close → a new connection');
    assert.deepEqual(await client.send(), { status: 200 });
    assert.equal(connections(), 2, 'kept alive');
    await sleep(300); // the server closes the idle connection meanwhile
    assert.deepEqual(await client.send(), { status: 200 });
    assert.equal(connections(), 3);
  } finally {
    client.close();
    await close();
  }

  // Node sends "Keep-Alive: timeout=2": with the 2 s margin undici used, the connection is not reused.
  const hinted = await listen(
    createHttpServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-length': '2' }).end('ok');
    }),
  );
  hinted.server.keepAliveTimeout = 2000;
  const hintedConnections = countConnections(hinted.server);
  const second = new TestClient(hinted.url);
  try {
    assert.deepEqual(await second.send(), { status: 200 });
    await sleep(20);
    assert.deepEqual(await second.send(), { status: 200 });
    assert.equal(hintedConnections(), 2);
  } finally {
    second.close();
    await hinted.close();
  }
});

test('a body that runs until the server closes completes at the close', async () => {
  const { url, close } = await listen(
    createNetServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body');
        setTimeout(() => socket.end(' and the rest'), 10);
      });
    }),
  );
  const client = new TestClient(url);
  try {
    assert.deepEqual(await client.send(), { status: 200 });
    assert.deepEqual(await client.send(), { status: 200 }, 'and the next request connects again');
  } finally {
    client.close();
    await close();
  }
});

test('failures: cut-off response, malformed response, silence past the timeout, refused connection', async () => {
  const { url, close } = await listen(
    createNetServer((socket) => {
      socket.on('data', (data: Buffer) => {
        const path = data.toString('latin1').split(' ')[1];
        if (path === '/cut') {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
          setTimeout(() => socket.destroy(), 10);
        } else if (path === '/garbage') {
          socket.write('this is not http\r\n\r\n');
        }
        // '/silent': never answers
      });
    }),
  );
  const client = new TestClient(url, { timeoutMs: 200 });
  const codeOf = (outcome: Outcome) => ('error' in outcome ? outcome.error.code : `status ${outcome.status}`);
  try {
    assert.equal(codeOf(await client.send({ path: '/cut' })), 'FANOUT_SOCKET_CLOSED');
    assert.equal(codeOf(await client.send({ path: '/garbage' })), 'FANOUT_BAD_RESPONSE');
    const silent = client.send({ path: '/silent' });
    const sweep = setInterval(() => client.connection.checkTimeout(performance.now()), 20);
    const started = performance.now();
    const outcome = await silent;
    clearInterval(sweep);
    assert.equal(codeOf(outcome), 'FANOUT_RESPONSE_TIMEOUT');
    assert.ok(performance.now() - started >= 200);
  } finally {
    client.close();
    await close();
  }
  const refused = new TestClient(url);
  try {
    assert.equal(codeOf(await refused.send()), 'ECONNREFUSED');
  } finally {
    refused.close();
  }
});

test('https: the same connection over TLS (certificate checked, as before)', async () => {
  const fixtures = new URL('../../../test/fixtures/', import.meta.url);
  const { createServer: createHttpsServer } = await import('node:https');
  const { readFile } = await import('node:fs/promises');
  const server = createHttpsServer(
    { key: await readFile(new URL('localhost-key.pem', fixtures)), cert: await readFile(new URL('localhost-cert.pem', fixtures)) },
    (request, response) => {
      request.resume();
      response.writeHead(200, { 'content-length': '2' }).end('ok');
    },
  );
  const connections = countConnections(server);
  const { close } = await listen(server);
  const port = (server.address() as AddressInfo).port;
  const checked = new TestClient(`https://localhost:${port}/`);
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  try {
    const refused = await checked.send();
    assert.ok('error' in refused && /self[- ]signed/i.test(`${refused.error.code} ${refused.error.message}`), 'a self-signed certificate is refused');
    // Trusting it for this test only: the connection then carries requests like plain HTTP.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    const trusting = new TestClient(`https://localhost:${port}/`);
    try {
      assert.deepEqual(await trusting.send(), { status: 200 });
      assert.deepEqual(await trusting.send({ method: 'POST', body: 'x' }), { status: 200 });
      assert.equal(connections(), 2, 'the refused handshake and one kept-alive connection');
    } finally {
      trusting.close();
    }
  } finally {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
    checked.close();
    await close();
  }
});
