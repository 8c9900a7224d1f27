import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ScenarioInput } from '../../lib/config/scenario-schema.js';
import { runScenario } from '../helpers/run-helpers.js';

/**
 * What a user of flows notices: cookies come back, redirects are followed (each hop counted under
 * the request's name), a capture that finds nothing stops the iteration as an error of type
 * `capture`, failed checks are errors of type `check` with pass rates, and TLS options work.
 */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const flows = (steps: unknown[], extra: Partial<ScenarioInput> = {}): ScenarioInput => ({ flows: [{ name: 'main', steps }], ...extra }) as ScenarioInput;

test('each user keeps its cookies: a Set-Cookie from its login comes back on its later requests', async () => {
  const seen = { withSession: 0, without: 0, sessions: new Set<string>() };
  let next = 0;
  const target = await serve((request, response) => {
    if (request.url === '/login') {
      response.writeHead(200, { 'set-cookie': `session=s${next++}; Path=/; HttpOnly` }).end('ok');
      return;
    }
    const session = /session=(s\d+)/.exec(request.headers.cookie ?? '')?.[1];
    if (session) {
      seen.withSession++;
      seen.sessions.add(session);
    } else seen.without++;
    response.end('ok');
  });
  try {
    const { report } = await runScenario({
      target: target.url,
      ...flows([{ name: 'page', path: '/page' }], { onStart: [{ name: 'login', method: 'POST', path: '/login' }] }),
      load: { users: 3, duration: '1s', workers: 1 },
    } as ScenarioInput);
    assert.equal(seen.without, 0, 'every request after the login carried its session');
    assert.equal(seen.sessions.size, 3, 'three users, three sessions');
    assert.equal(report.requests.find((request) => request.name === 'page')!.requests, seen.withSession);
  } finally {
    await target.close();
  }
});

test('redirects are followed (each hop recorded under the request’s name), up to the step’s limit', async () => {
  const hits: Record<string, number> = {};
  const target = await serve((request, response) => {
    hits[request.url!] = (hits[request.url!] ?? 0) + 1;
    if (request.url === '/old') response.writeHead(301, { location: '/middle' }).end();
    else if (request.url === '/middle') response.writeHead(302, { location: '/new' }).end();
    else response.end('{"ok":true}');
  });
  try {
    const { report } = await runScenario({
      target: target.url,
      ...flows([
        { name: 'moved', path: '/old', expect: { json: [{ path: '$.ok', equals: true }] } },
        { name: 'not followed', path: '/old', redirects: 0, expect: { status: [301] } },
      ]),
      load: { users: 1, duration: '1s', workers: 1 },
    } as ScenarioInput);
    const byName = Object.fromEntries(report.requests.map((request) => [request.name, request]));
    assert.equal(byName.moved!.requests, hits['/middle']! + hits['/new']! + (hits['/old']! - byName['not followed']!.requests));
    assert.deepEqual(Object.keys(byName.moved!.statusCodes).sort(), ['200', '301', '302']);
    assert.equal(byName.moved!.errors, 0);
    assert.deepEqual(byName['not followed']!.statusCodes, { '301': byName['not followed']!.requests });
    assert.equal(report.totals.requests, Object.values(hits).reduce((sum, count) => sum + count, 0));
  } finally {
    await target.close();
  }
});

test('a capture that finds nothing is an error of type capture naming it, and ends the iteration; failed checks are errors of type check', async () => {
  let lists = 0;
  const hits: Record<string, number> = {};
  const target = await serve((request, response) => {
    const path = request.url!.split('?')[0]!;
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/list') response.end(JSON.stringify({ items: lists++ % 2 === 0 ? [{ id: 7 }] : [] }));
    else response.end(JSON.stringify({ id: 7, kind: 'thing' }));
  });
  try {
    const { report } = await runScenario({
      target: target.url,
      ...flows([
        { name: 'list', path: '/list', capture: { itemId: { json: '$.items[0].id' } } },
        { name: 'item', path: '/items/{{ itemId }}', expect: { json: [{ path: '$.kind', equals: 'other' }], bodyContains: '"id"' } },
      ]),
      load: { users: 1, duration: '1s', workers: 1 },
    } as ScenarioInput);
    const byName = Object.fromEntries(report.requests.map((request) => [request.name, request]));
    assert.ok(report.totals.errorsByType.capture! > 0);
    assert.equal(byName.list!.errors, report.totals.errorsByType.capture);
    // The iteration stopped at each failed capture: an item was fetched only after a capture found one
    // (the last found one may have met the end of the run before its item went out).
    const found = byName.list!.requests - byName.list!.errors;
    assert.ok(hits['/items/7']! === found || hits['/items/7']! === found - 1, `items ${hits['/items/7']}, lists that found one ${found}`);
    assert.ok(report.totals.errorSamples.some((sample) => sample.type === 'capture' && sample.message === 'list: itemId: no match for $.items[0].id'));
    assert.equal(report.totals.errorsByType.check, byName.item!.requests);
    const checks = Object.fromEntries(report.checks!.map((check) => [check.check, check]));
    assert.equal(checks['json $.kind == "other"']!.passRate, 0);
    assert.equal(checks['bodyContains "\\"id\\""']!.passRate, 1);
    assert.equal(report.flows!.find((flow) => flow.flow === 'main')!.stoppedByCapture, report.totals.errorsByType.capture);
  } finally {
    await target.close();
  }
});

test('an iteration that ends as the run drains is counted: a capture that fails on the last response still stops one iteration', async () => {
  // Every /list answer is empty and takes 300 ms, so a request is in flight when the 1 s run ends: it is
  // waited for, its capture fails, and that iteration ends while the slice drains.
  let lists = 0;
  const target = await serve((request, response) => {
    lists++;
    setTimeout(() => response.end('{"items":[]}'), 300);
  });
  try {
    const { report } = await runScenario({
      target: target.url,
      ...flows([{ name: 'list', path: '/list', capture: { itemId: { json: '$.items[0].id' } } }]),
      load: { users: 1, duration: '1s', workers: 1 },
    } as ScenarioInput);
    assert.ok(lists >= 3, `lists ${lists}`);
    assert.equal(report.totals.requests, lists);
    assert.equal(report.totals.errorsByType.capture, lists);
    assert.equal(report.flows!.find((flow) => flow.flow === 'main')!.stoppedByCapture, lists, 'one iteration stopped per failed capture, the last one included');
  } finally {
    await target.close();
  }
});

test('TLS: a self-signed target fails with errors of type tls; --insecure accepts it (and the report warns); tls.ca trusts it', async () => {
  const fixtures = new URL('../../../test/fixtures/', import.meta.url);
  const [cert, key] = await Promise.all([readFile(new URL('localhost-cert.pem', fixtures), 'utf8'), readFile(new URL('localhost-key.pem', fixtures), 'utf8')]);
  const server = createHttpsServer({ cert, key }, (_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;
  try {
    const load = { users: 1, duration: '1s', workers: 1 };
    const refused = (await runScenario({ target: url, load })).report;
    assert.ok(refused.totals.requests > 0 && refused.totals.errorsByType.tls === refused.totals.requests);

    const insecure = (await runScenario({ target: url, load, tls: { insecure: true } } as ScenarioInput)).report;
    assert.ok(insecure.totals.requests > 0);
    assert.equal(insecure.totals.errors, 0);
    assert.ok(insecure.warnings.some((warning) => warning.includes('--insecure')));

    const trusted = (await runScenario({ target: url, load, tls: { ca: cert } } as ScenarioInput)).report;
    assert.ok(trusted.totals.requests > 0);
    assert.equal(trusted.totals.errors, 0, JSON.stringify(trusted.totals.errorsByType));
    assert.ok(!trusted.warnings.some((warning) => warning.includes('--insecure')));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('mutual TLS: a server that asks for a client certificate accepts the one tls.cert/tls.key present, and refuses a client without one', async () => {
  const fixtures = new URL('../../../test/fixtures/', import.meta.url);
  const [cert, key] = await Promise.all([readFile(new URL('localhost-cert.pem', fixtures), 'utf8'), readFile(new URL('localhost-key.pem', fixtures), 'utf8')]);
  let authorized = 0;
  // The fixture certificate is its own CA: the server trusts it for clients too.
  const server = createHttpsServer({ cert, key, ca: cert, requestCert: true, rejectUnauthorized: true }, (request, response) => {
    if ((request.socket as import('node:tls').TLSSocket).authorized) authorized++;
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://localhost:${(server.address() as AddressInfo).port}`;
  try {
    const load = { users: 1, duration: '1s', workers: 1 };
    const mutual = (await runScenario({ target: url, load, tls: { ca: cert, cert, key } } as ScenarioInput)).report;
    assert.ok(mutual.totals.requests > 0);
    assert.equal(mutual.totals.errors, 0, JSON.stringify(mutual.totals.errorsByType));
    assert.equal(authorized, mutual.totals.requests);
    const anonymous = (await runScenario({ target: url, load, tls: { ca: cert } } as ScenarioInput)).report;
    assert.ok(anonymous.totals.requests > 0);
    assert.equal(anonymous.totals.errors, anonymous.totals.requests, 'no request gets through without a client certificate');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('flows in the open model: each arrival is one iteration of a pooled user (its login once), the first request measured from when it was due', async () => {
  const hits: Record<string, number> = {};
  const target = await serve((request, response) => {
    hits[request.url!] = (hits[request.url!] ?? 0) + 1;
    response.end(request.url === '/login' ? '{"token":"t"}' : 'ok');
  });
  try {
    const { report } = await runScenario({
      target: target.url,
      onStart: [{ name: 'login', method: 'POST', path: '/login', capture: { token: { json: '$.token' } } }],
      flows: [{ name: 'visit', steps: [{ name: 'home', path: '/', headers: { authorization: 'Bearer {{ token }}' } }, { name: 'about', path: '/about' }] }],
      load: { rate: 50, duration: '2s', maxInFlight: 5, workers: 1 },
    } as ScenarioInput);
    const open = report.totals.open!;
    assert.ok(open.scheduled >= 95 && open.scheduled <= 100, `scheduled ${open.scheduled}`);
    assert.equal(hits['/'], open.scheduled - open.dropped, 'every arrival ran one iteration');
    assert.equal(hits['/about'], hits['/']);
    assert.ok(hits['/login']! >= 1 && hits['/login']! <= 5, `each pooled user logged in once: ${hits['/login']}`);
    assert.equal(report.totals.requests, Object.values(hits).reduce((sum, count) => sum + count, 0));
    assert.equal(report.flows!.find((flow) => flow.flow === 'visit')!.completed, hits['/']);
  } finally {
    await target.close();
  }
});
