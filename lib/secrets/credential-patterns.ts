import { looksLikeCredentialName, SECRET_HEADERS } from './credential-names.js';
import { REDACTION_MARK } from './secret-fingerprint.js';

/**
 * For text whose secrets are not known by value (an error thrown before a scenario was resolved, a
 * stack trace in a function's log): credentials recognised by their shape are replaced by the mark
 * alone. The values a run knows are hidden by its Redactor; this is the net under it.
 */
const HIDDEN = REDACTION_MARK;

/** `Bearer abc…`, `Basic abc…`, and the like: the scheme stays, the credential goes. */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|Digest|Token|AWS4-HMAC-SHA256)\s+([A-Za-z0-9._~+/=,:-]{4,}[^\s"',;]*)/gi;
/** `https://user:pass@host` (or a mistyped `http//…`): the password, and the user name, which is often a key. */
const URL_USERINFO = /(\/\/)([^\s/?#@"']+)@/g;
/** `?api_key=…&…`, `&token=…`: a credential-like name's value, up to the next separator. */
const QUERY_PARAMETER = /([?&;]|\b)([A-Za-z0-9_.\-[\]]+)=([^&\s#"'<>()]+)/g;
/** `authorization: …`, `"x-api-key":"…"`: a named header's value on one line. */
const HEADER_LINE = new RegExp(`(["']?(?:${SECRET_HEADERS.join('|')})["']?\\s*[:=]\\s*["']?)([^"'\\r\\n]+)`, 'gi');

export function scrubCredentialPatterns(text: string): string {
  return text
    .replace(HEADER_LINE, (_, prefix: string) => `${prefix}${HIDDEN}`)
    .replace(SCHEME_CREDENTIAL, (found: string, scheme: string, credential: string) => (credential.startsWith(HIDDEN) ? found : `${scheme} ${HIDDEN}`))
    .replace(URL_USERINFO, (_, slashes: string) => `${slashes}${HIDDEN}@`)
    .replace(QUERY_PARAMETER, (found: string, separator: string, name: string) => (looksLikeCredentialName(name) ? `${separator}${name}=${HIDDEN}` : found));
}
