import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Each benchmark runs for a second or two with tiny sizes (`--smoke`): it starts, drives its
 * processes and reports. Nothing here checks a time or a ratio; the numbers are for docs/benchmarks.md.
 */
const cli = fileURLToPath(new URL('../../bench/cli.js', import.meta.url));

function smoke(suite: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, '--smoke', '--only', suite, '--target', 'node'], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`bench --smoke --only ${suite} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test('bench smoke: load per core against the peers', async () => {
  const output = await smoke('load');
  assert.match(output, /fanout +[\d,]+ req\/s/);
  assert.match(output, /autocannon +[\d,]+ req\/s/);
  assert.match(output, /fanout \/ autocannon/);
});

test('bench smoke: open model, requested vs achieved, beside the reference loops', async () => {
  const output = await smoke('open');
  assert.match(output, /req\/s requested: achieved/);
  // The C loop needs a compiler; the Node loop always runs.
  assert.match(output, /fresh processes: fanout p99 [\d.]+ ms \(service [\d.]+\), Node loop p99 [\d.]+ ms \(service [\d.]+\)/);
  assert.match(output, /, C loop p99 [\d.]+ ms|C open-model loop not measured: /);
});

test('bench smoke: merging encoded histograms', async () => {
  assert.match(await smoke('merge'), /histograms: [\d.]+ ms cold/);
});

test('bench smoke: coordinator fan-out through the Invoke API', async () => {
  assert.match(await smoke('fanout'), /20 invocations: \d+ ms .* 20 accepted, 20 received/);
});

test('bench smoke: memory per user', async () => {
  assert.match(await smoke('memory'), /200 users: RSS .* 200 sockets open/);
});

test('bench smoke: flows per core, the static path, the YAML flow and the TS module against the shop', async () => {
  // Longer than the others: the TS module is type-checked and bundled, and the peers that are
  // installed (Locust, wrk, and Artillery if a full run installed it) start their own processes.
  const output = await smoke('flows', 150_000);
  assert.match(output, /check fanout YAML flow: 10 accounts logged in, \d+ lists, \d+ items, 0 refused/);
  assert.match(output, /check fanout TS module: 10 accounts logged in, \d+ lists, \d+ items, 0 refused/);
  assert.match(output, /fanout static +[\d,]+ req\/s/);
  assert.match(output, /fanout YAML flow +[\d,]+ req\/s/);
  assert.match(output, /fanout TS module +[\d,]+ req\/s/);
  assert.match(output, /YAML flow ≥ 0\.5× the static path per core/);
});
