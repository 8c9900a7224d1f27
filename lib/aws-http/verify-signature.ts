import { signRequest, type AwsCredentials, type RequestToSign } from './sign-request.js';

/** AWS refuses a signature dated more than 15 minutes from its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export interface SignatureCheck {
  region: string;
  service: string;
  /** The key pair whose signatures can be recomputed; signatures by other keys get the other checks only. */
  known: AwsCredentials;
  now?: Date;
}

/**
 * Checks a received request's SigV4 signature the way an AWS_IAM route does, as far as it can
 * without IAM: the header's shape, scope (region, service) and date, the signed headers present,
 * and, for the known key, the signature itself, recomputed by the SDK's signer. Returns why the
 * request is refused, or undefined when it passes.
 */
export async function signatureProblem(request: RequestToSign, check: SignatureCheck): Promise<string | undefined> {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const match = AUTHORIZATION.exec(headers.authorization ?? '');
  if (!match) return 'missing or malformed SigV4 authorization header';
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = match as unknown as [string, string, string, string, string, string, string];
  if (region !== check.region || service !== check.service) return `signed for ${region}/${service}, not ${check.region}/${check.service}`;
  const stamp = headers['x-amz-date'] ?? '';
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!signedAt || stamp.slice(0, 8) !== day) return 'x-amz-date missing or not the credential scope\'s day';
  const signingDate = new Date(`${signedAt[1]}-${signedAt[2]}-${signedAt[3]}T${signedAt[4]}:${signedAt[5]}:${signedAt[6]}Z`);
  if (Math.abs(signingDate.getTime() - (check.now ?? new Date()).getTime()) > MAX_SKEW_MS) return 'signature expired (x-amz-date more than 15 minutes away)';
  const signedHeaders = signedHeaderList.split(';');
  for (const required of ['host', 'x-amz-date']) if (!signedHeaders.includes(required)) return `${required} is not signed`;
  for (const name of signedHeaders) if (headers[name] === undefined) return `signed header ${name} was not sent`;
  if (accessKeyId !== check.known.accessKeyId) return undefined;

  const added = new Set(['host', 'x-amz-date', 'x-amz-security-token']);
  const resigned = await signRequest(
    { method: request.method, url: request.url, body: request.body, headers: Object.fromEntries(signedHeaders.filter((name) => !added.has(name)).map((name) => [name, headers[name]!])) },
    { ...check.known, ...(headers['x-amz-security-token'] === undefined ? {} : { sessionToken: headers['x-amz-security-token'] }) },
    { region: check.region, service: check.service },
    signingDate,
  );
  return resigned.authorization === headers.authorization ? undefined : `the signature does not match (${signature.slice(0, 8)}…)`;
}
