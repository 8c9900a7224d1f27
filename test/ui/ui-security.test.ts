import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allowedNamesFor } from '../../lib/ui/request-guard.js';
import type { InternalErrorResponse, ProblemsResponse, ScenarioList } from '../../lib/ui/ui-api.js';
import { startUiServer, type UiServer, type UiServerOptions } from '../../lib/ui/ui-server.js';
import { tempDir } from '../helpers/run-helpers.js';
import { apiCall, bearer, rawRequest, type RawAnswer } from './ui-http.js';

/**
 * `fanout ui` against what any local process (or, with --host 0.0.0.0, a network peer) can send:
 * raw HTTP with headers of its choosing.
 */

const SECRET = 'SECRET123';

/** Every route that reads or changes something. */
const PROTECTED: Array<{ method: 'GET' | 'POST'; path: string; body?: unknown }> = [
  { method: 'GET', path: '/api/info' },
  { method: 'GET', path: '/api/runs' },
  { method: 'GET', path: '/api/scenarios' },
  { method: 'POST', path: '/api/runs', body: { target: 'http://127.0.0.1:9', users: '1', duration: '1s' } },
  { method: 'GET', path: '/api/runs/some-run/live?since=0' },
  { method: 'POST', path: '/api/runs/some-run/stop', body: {} },
  { method: 'GET', path: '/api/runs/some-run/report' },
  { method: 'GET', path: '/runs/some-run/report.html' },
];

async function withServer(options: Partial<UiServerOptions>, body: (server: UiServer) => Promise<void>): Promise<void> {
  const outDir = options.outDir ?? (await tempDir());
  const server = await startUiServer({ port: 0, scenarioDir: outDir, ...options, outDir });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('every API route and report needs the token printed at start: none or a wrong one is 401, and the page alone holds no data', async () => {
  await withServer({}, async (server) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32,}$/, 'the printed address carries a URL-safe random token');
    const cookieName = `fanout-ui-${new URL(server.url).port}`;
    const wrong = `${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`;
    for (const route of PROTECTED) {
      const name = `${route.method} ${route.path}`;
      const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${wrong}` }, { cookie: `${cookieName}=${wrong}` }, { authorization: 'Bearer ' }];
      for (const headers of attempts) {
        const answer = await rawRequest(server, { method: route.method, path: route.path, headers, ...(route.body ? { body: route.body } : {}) });
        assert.equal(answer.status, 401, `${name} with ${JSON.stringify(headers)}: ${answer.text}`);
      }
      const allowed = await rawRequest(server, { method: route.method, path: route.path, headers: bearer(server), ...(route.body ? { body: route.body } : {}) });
      assert.notEqual(allowed.status, 401, `${name} with the token`);
    }

    const page = await rawRequest(server, { path: '/' });
    assert.equal(page.status, 200);
    const info = await apiCall<{ outDir: string }>(server, 'GET', '/api/info');
    assert.ok(!page.text.includes(info.body.outDir), 'the page without the token names no folder');

    // Opened with the token, the page moves it into an HttpOnly, SameSite=Strict cookie and out of the address bar.
    const opened = await rawRequest(server, { path: `/?token=${server.token}` });
    assert.equal(opened.status, 303);
    assert.equal(opened.headers.location, '/');
    const setCookie = opened.headers['set-cookie']?.[0] ?? '';
    assert.match(setCookie, new RegExp(`^${cookieName}=${server.token};`));
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const byCookie = await rawRequest(server, { path: '/api/info', headers: { cookie: `other=1; ${cookieName}=${server.token}` } });
    assert.equal(byCookie.status, 200);
    const wrongLink = await rawRequest(server, { path: `/?token=${wrong}` });
    assert.equal(wrongLink.headers['set-cookie'], undefined, 'a wrong token sets nothing');
  });
});

test('a request naming a foreign Host is refused (403), the page included and even with the token; --allow-host adds a name', async () => {
  await withServer({ allowHosts: ['fanout.test', 'proxy.test:443'] }, async (server) => {
    const port = new URL(server.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `fanout.test.evil.example:${port}`, `0.0.0.0:${port}`]) {
      for (const path of ['/', '/api/info']) {
        const answer = await rawRequest(server, { path, headers: { ...bearer(server), host } });
        assert.equal(answer.status, 403, `Host ${JSON.stringify(host)} ${path}`);
      }
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `fanout.test:${port}`, 'proxy.test', 'proxy.test:443']) {
      const answer = await rawRequest(server, { path: '/api/info', headers: { ...bearer(server), host } });
      assert.equal(answer.status, 200, `Host ${host}`);
    }
  });
});

test('with --host 0.0.0.0 the Host check stays on: this machine\'s names, then only --allow-host names', () => {
  const everywhere = allowedNamesFor('0.0.0.0', 8089);
  assert.deepEqual([...everywhere.hosts].sort(), ['127.0.0.1:8089', '[::1]:8089', 'localhost:8089']);
  assert.ok(!everywhere.origins.has('http://0.0.0.0:8089'));
  assert.deepEqual([...allowedNamesFor('::', 8089).hosts].sort(), ['127.0.0.1:8089', '[::1]:8089', 'localhost:8089']);

  const named = allowedNamesFor('0.0.0.0', 8089, ['build-box.lan', '10.0.0.7']);
  assert.ok(named.hosts.has('build-box.lan:8089') && named.hosts.has('10.0.0.7:8089'));
  assert.ok(named.origins.has('http://build-box.lan:8089'));
  assert.ok(!named.hosts.has('evil.example:8089'));
  // One concrete address is a name the server knows itself by.
  assert.ok(allowedNamesFor('192.168.1.20', 8089).hosts.has('192.168.1.20:8089'));
});

test('a change from a foreign Origin is refused (403); the server\'s own origins pass whatever Host the request names', async () => {
  await withServer({}, async (server) => {
    const port = new URL(server.url).port;
    const form = { target: 'ftp://nothing', users: '1' };
    for (const origin of ['https://evil.example', `http://evil.example:${port}`, 'null', `http://127.0.0.1:${Number(port) + 1}`]) {
      const answer = await rawRequest(server, { path: '/api/runs', body: form, headers: { ...bearer(server), origin } });
      assert.equal(answer.status, 403, `Origin ${origin}`);
    }
    // The page opened as localhost posting to 127.0.0.1 is still this server's page: judged by the
    // server's own origins, not by the request's Host.
    const own = await rawRequest(server, { path: '/api/runs', body: form, headers: { ...bearer(server), origin: `http://localhost:${port}` } });
    assert.equal(own.status, 400, own.text);
    assert.equal((JSON.parse(own.text) as ProblemsResponse).problems[0]?.formField, 'target', 'the form was read: the bad target is named');
  });
});

test('scenarios come only from the listed files under the folder: .., absolute paths and links out are 400, and no file\'s text is ever returned', async () => {
  const base = await tempDir();
  const outside = join(base, 'outside');
  const folder = join(base, 'project');
  await mkdir(outside);
  await mkdir(join(folder, 'scenarios'), { recursive: true });
  await mkdir(join(folder, 'node_modules', 'some-package'), { recursive: true });
  await mkdir(join(folder, '.aws'));
  await mkdir(join(folder, 'fanout-runs', 'old-run'), { recursive: true });
  const credentials = `[default]\naws_access_key_id = AKIA0000\naws_secret_access_key = ${SECRET}\n`;
  await writeFile(join(outside, 'credentials'), credentials);
  await writeFile(join(outside, 'secret.yml'), credentials);
  await writeFile(join(folder, '.aws', 'credentials.yml'), credentials);
  await writeFile(join(folder, 'node_modules', 'some-package', 'config.yml'), `key: ${SECRET}\n`);
  await writeFile(join(folder, 'fanout-runs', 'old-run', 'report.json'), '{}');
  await writeFile(join(folder, 'scenarios', 'ok.yml'), 'target: http://127.0.0.1:9\nload: { users: 1, duration: 1s }\n');
  await writeFile(join(folder, 'broken.yml'), `target: http://127.0.0.1:9\nload:\n  users: 1\n   duration: ${SECRET}\n`);
  await writeFile(join(folder, 'broken.json'), `{"target": ${SECRET}}`);
  await writeFile(join(folder, 'bad-value.yml'), `target: ${SECRET}-is-no-url\nload: { duration: ${SECRET} }\n`);
  await writeFile(join(folder, 'package.json'), '{}');
  await symlink(join(outside, 'secret.yml'), join(folder, 'link-out.yml'));
  await symlink(join(folder, 'scenarios', 'ok.yml'), join(folder, 'link-in.yml'));

  const answers: RawAnswer[] = [];
  await withServer({ scenarioDir: folder, outDir: join(folder, 'fanout-runs') }, async (server) => {
    const start = async (body: Record<string, unknown>) => {
      const answer = await rawRequest(server, { path: '/api/runs', body: { users: '1', duration: '1s', ...body }, headers: bearer(server) });
      answers.push(answer);
      return { status: answer.status, body: JSON.parse(answer.text) as ProblemsResponse };
    };
    const list = await rawRequest(server, { path: '/api/scenarios', headers: bearer(server) });
    answers.push(list);
    assert.equal(list.status, 200);
    assert.deepEqual((JSON.parse(list.text) as ScenarioList).files, ['bad-value.yml', 'broken.json', 'broken.yml', 'link-in.yml', 'scenarios/ok.yml']);

    const refused = [
      '../outside/secret.yml',
      'scenarios/../../outside/secret.yml',
      join(outside, 'secret.yml'),
      join(outside, 'credentials'),
      'link-out.yml',
      '.aws/credentials.yml',
      'node_modules/some-package/config.yml',
      'fanout-runs/old-run/report.json',
      './scenarios/ok.yml',
      'scenarios\\..\\..\\outside\\secret.yml',
    ];
    for (const scenarioFile of refused) {
      const answer = await start({ scenarioFile });
      assert.equal(answer.status, 400, `${scenarioFile}: ${JSON.stringify(answer.body)}`);
      assert.deepEqual(answer.body.problems.map((problem) => [problem.field, problem.formField]), [['scenarioFile', 'scenarioFile']], scenarioFile);
    }
    // The field that took any path before is gone.
    assert.equal((await start({ scenario: join(outside, 'secret.yml') })).status, 400);

    // A listed file with a syntax error: where it is, not what it says.
    const yaml = await start({ scenarioFile: 'broken.yml' });
    assert.equal(yaml.status, 400);
    assert.deepEqual(yaml.body.problems.map((problem) => problem.formField), ['scenarioFile']);
    assert.match(yaml.body.problems[0]!.message, /^not valid YAML at line 3, column \d+ \(.+\)$/);
    const json = await start({ scenarioFile: 'broken.json' });
    assert.match(json.body.problems[0]!.message, /^not valid JSON/);
    const badValue = await start({ scenarioFile: 'bad-value.yml' });
    assert.equal(badValue.status, 400);
    assert.deepEqual(badValue.body.problems.map((problem) => problem.field).sort(), ['bad-value.yml: load.duration', 'bad-value.yml: target']);
    // Pasted text is the person's own: the same mistake may be quoted back to them.
    const pasted = await start({ scenarioText: 'target: [unclosed\n' });
    assert.deepEqual(pasted.body.problems.map((problem) => [problem.field, problem.formField, /^not valid YAML at line 2, column 1/.test(problem.message)]), [['pasted scenario', 'scenarioText', true]]);
    const both = await start({ scenarioFile: 'scenarios/ok.yml', scenarioText: 'target: demo' });
    assert.equal(both.body.problems[0]?.formField, 'scenarioText');
    const tooLong = await start({ scenarioText: `# ${'x'.repeat(256 * 1024)}` });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.problems[0]?.formField, 'scenarioText');

    // A listed file is read: the run starts with its target (nothing listens there: it fails fast, harmlessly).
    const ok = await start({ scenarioFile: 'scenarios/ok.yml' });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });
  for (const answer of answers) assert.ok(!answer.text.includes(SECRET), `no answer carries a file's text: ${answer.text.slice(0, 300)}`);
});

test('a failure inside the server answers 500 with a request id and a generic message; the detail goes to the log only', async () => {
  const logged: string[] = [];
  const aws = {
    available: true,
    start: async () => {
      throw new Error(`cannot read /home/someone/.aws/credentials: ${SECRET}`);
    },
  };
  await withServer({ aws, logError: (message) => logged.push(message) }, async (server) => {
    const answer = await rawRequest(server, { path: '/api/runs', body: { target: 'http://127.0.0.1:9', users: '1', platform: 'aws' }, headers: bearer(server) });
    assert.equal(answer.status, 500);
    assert.ok(!answer.text.includes(SECRET) && !answer.text.includes('credentials'), answer.text);
    const body = JSON.parse(answer.text) as InternalErrorResponse;
    assert.match(body.requestId, /^[0-9a-f]{12}$/);
    assert.ok(body.message.includes(body.requestId));
    assert.equal(logged.length, 1);
    assert.ok(logged[0]!.includes(body.requestId) && logged[0]!.includes(SECRET), 'the log has the id and the detail');
  });
});
