import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signRequest } from '../../lib/aws-http/sign-request.js';
import { EMULATOR_CREDENTIALS } from '../../lib/emulate/emulator-credentials.js';
import { HttpApiEmulator } from '../../lib/emulate/http-api-emulator.js';

/** POSTs to the emulated API with headers signed for `signedBody`, sending `sentBody`. */
async function post(
  apiUrl: string,
  options: { signedBody: string; sentBody?: string; region?: string; credentials?: typeof EMULATOR_CREDENTIALS; at?: Date },
): Promise<{ status: number; reason?: string }> {
  const url = new URL(`${apiUrl}/runs?runId=sig-1`);
  const headers = await signRequest(
    { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: options.signedBody },
    options.credentials ?? EMULATOR_CREDENTIALS,
    { region: options.region ?? 'eu-west-1', service: 'execute-api' },
    options.at,
  );
  delete headers.host;
  const response = await fetch(url, { method: 'POST', headers, body: options.sentBody ?? options.signedBody });
  const body = (await response.json()) as { reason?: string };
  return { status: response.status, ...(body.reason === undefined ? {} : { reason: body.reason }) };
}

test('the emulated HTTP API checks SigV4 as an AWS_IAM route does: tampered, stale, misscoped and unsigned requests are refused', async () => {
  const invoked: unknown[] = [];
  const api = new HttpApiEmulator({
    region: 'eu-west-1',
    known: EMULATOR_CREDENTIALS,
    invokeApi: async (event) => {
      invoked.push(event);
      return { statusCode: 202, body: '{}' };
    },
  });
  const apiUrl = await api.start();
  try {
    assert.deepEqual(await post(apiUrl, { signedBody: '{"target":"x"}' }), { status: 202 });
    const tampered = await post(apiUrl, { signedBody: '{"target":"x"}', sentBody: '{"target":"y"}' });
    assert.equal(tampered.status, 403);
    assert.match(tampered.reason ?? '', /signature does not match/);
    const wrongSecret = await post(apiUrl, { signedBody: '{}', credentials: { ...EMULATOR_CREDENTIALS, secretAccessKey: 'guess' } });
    assert.equal(wrongSecret.status, 403);
    const otherRegion = await post(apiUrl, { signedBody: '{}', region: 'us-east-1' });
    assert.equal(otherRegion.status, 403);
    assert.match(otherRegion.reason ?? '', /us-east-1\/execute-api/);
    const stale = await post(apiUrl, { signedBody: '{}', at: new Date(Date.now() - 20 * 60 * 1000) });
    assert.equal(stale.status, 403);
    assert.match(stale.reason ?? '', /expired/);
    const unsigned = await fetch(`${apiUrl}/runs`, { method: 'POST', body: '{}' });
    assert.equal(unsigned.status, 403);
    // A key the emulator has no secret for passes the checks it can make (scope, date, signed headers).
    assert.equal((await post(apiUrl, { signedBody: '{}', credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } })).status, 202);
    assert.equal(invoked.length, 2, 'only the two accepted requests reached the function');
  } finally {
    await api.close();
  }
});
