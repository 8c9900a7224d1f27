import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runScenario } from '../helpers/run-helpers.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a refused connection is counted as an error of its type, and the run still reports', async () => {
  const port = await closedPort();
  const { report } = await runScenario({ target: `http://127.0.0.1:${port}/`, load: { users: 2, duration: '1s' }, thinkTime: '50ms' });
  assert.equal(report.status, 'completed');
  assert.ok(report.totals.requests > 0);
  assert.equal(report.totals.errors, report.totals.requests);
  assert.equal(report.totals.errorsByType.connection_refused, report.totals.requests);
  assert.match(report.totals.errorSamples[0]!.message, /ECONNREFUSED/);
  assert.equal(report.totals.latency.p50, 0, 'no response, no latency');
});

test('a target that never answers gives timeouts after --timeout', async () => {
  // Accepts connections and reads requests, never answers.
  const sockets = new Set<import('node:net').Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  try {
    const { report } = await runScenario({ target: `http://127.0.0.1:${port}/`, load: { users: 2, duration: '2s', timeout: '400ms' } });
    assert.ok(report.totals.errorsByType.timeout! >= 4, JSON.stringify(report.totals.errorsByType));
    assert.equal(report.totals.errors, report.totals.requests);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
