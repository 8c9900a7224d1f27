import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '../../lib/report/report-types.js';
import { FANOUT_BIN, runCli } from '../helpers/run-cli.js';
import { runScenario, tempDir } from '../helpers/run-helpers.js';
import { startTestTarget } from '../helpers/test-target.js';

test('fanout report <folder|runId|file> writes report.html beside report.json; --open without an opener prints its path', async () => {
  const target = await startTestTarget({ delayMs: 2 });
  let run: Awaited<ReturnType<typeof runScenario>>;
  try {
    run = await runScenario({ target: target.url, load: { users: 2, duration: '1500ms' }, slo: 'p95<1s' });
  } finally {
    await target.close();
  }
  const runDir = join(run.outDir, run.report.run.id);
  const htmlPath = join(runDir, 'report.html');
  await rm(htmlPath);

  // A machine with no xdg-open/open on its PATH (a server, a container): the path is printed instead.
  const folder = await runCli(['report', runDir, '--open'], { env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(folder.code, 0, folder.stderr);
  assert.match(folder.stdout, /fanout run .*COMPLETED/);
  assert.ok(folder.stderr.includes(`report.html: ${htmlPath}`), folder.stderr);
  assert.ok(folder.stderr.includes(`no program to open it was found: open ${htmlPath} in a browser`), folder.stderr);
  const html = await readFile(htmlPath, 'utf8');
  assert.ok(html.includes(run.report.run.id));

  const byId = await runCli(['report', run.report.run.id, '--out', run.outDir, '--json']);
  assert.equal(byId.code, 0, byId.stderr);
  assert.equal((JSON.parse(byId.stdout) as Report).totals.requests, run.report.totals.requests);

  const byFile = await runCli(['report', join(runDir, 'report.json')]);
  assert.equal(byFile.code, 0, byFile.stderr);
  assert.ok((await stat(htmlPath)).size > 50_000, 'uPlot and the page code are inlined');

  const unknown = await runCli(['report', 'no-such-run', '--out', run.outDir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no run no-such-run/);

  const notAReport = join(run.outDir, 'not-a-report.json');
  await writeFile(notAReport, JSON.stringify({ hello: 'world' }));
  const bad = await runCli(['report', notAReport]);
  assert.equal(bad.code, 2);
  assert.ok(bad.stderr.includes(`${notAReport}: schemaVersion`), bad.stderr);
});

test('fanout ui: bad flags exit 2 with the flag named; otherwise it serves the page until Ctrl-C', async () => {
  const badPort = await runCli(['ui', '--port', 'eighty']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port: expected a port number/);

  const out = await tempDir();
  const child = spawn(process.execPath, [FANOUT_BIN, 'ui', '--port', '0', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const [url, token] = await new Promise<[string, string]>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /fanout ui: (http:\/\/127\.0\.0\.1:\d+\/)\?token=([\w-]+)/.exec(stdout);
        if (match) resolve([match[1]!, match[2]!]);
      });
      child.once('exit', (code) => reject(new Error(`fanout ui exited (${code}) before serving`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<title>fanout<\/title>/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/i, 'the page loads nothing from elsewhere');
    const info = (await (await fetch(new URL('api/info', url), { headers: { authorization: `Bearer ${token}` } })).json()) as { outDir: string; platforms: { aws: { available: boolean; reason?: string } } };
    assert.equal(info.outDir, out);
    assert.equal(info.platforms.aws.available, false);
    assert.match(info.platforms.aws.reason ?? '', /--api URL or --stack NAME/);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0, 'Ctrl-C closes the UI cleanly');
  }
});
