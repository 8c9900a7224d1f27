/**
 * Which header and query parameter names carry credentials. The named headers always do; other
 * names are judged by their words (`apiKey`, `X-Auth-Token`, `access_token`, `X-Amz-Signature`),
 * so that a credential under a name nobody listed is still kept out of plans and reports. Judging
 * a harmless name a credential costs only its display (the request is sent as written).
 */
export const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'] as const;

/** Words that make a name a credential's: whole words of it, after splitting on case and punctuation. */
const CREDENTIAL_WORDS = new Set([
  'token',
  'key',
  'apikey',
  'secret',
  'signature',
  'sig',
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'credential',
  'credentials',
  'session',
  'sessionid',
  'jwt',
  'bearer',
  'otp',
]);

/** `X-Amz-Signature` → x, amz, signature; `apiKey` → api, key; `access_token` → access, token. */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** A name that looks like a credential's: one of its words is a credential word, or starts with `auth`. */
export function looksLikeCredentialName(name: string): boolean {
  return wordsOf(name).some((word) => CREDENTIAL_WORDS.has(word) || word.startsWith('auth'));
}

function listed(name: string, extra: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return extra.some((entry) => entry.toLowerCase() === lower);
}

/** A request header whose value is a secret: the known ones, those a scenario lists, and credential-like names. */
export function isSecretHeader(name: string, secretHeaders: readonly string[] = []): boolean {
  return listed(name, SECRET_HEADERS) || listed(name, secretHeaders) || looksLikeCredentialName(name);
}

/** A query parameter whose value is a secret: those a scenario lists, and credential-like names. */
export function isSecretQueryParameter(name: string, secretQuery: readonly string[] = []): boolean {
  return listed(name, secretQuery) || looksLikeCredentialName(name);
}
