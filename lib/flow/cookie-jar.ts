import { CookieJar, pathMatch } from 'tough-cookie';

/**
 * One user's cookies: a `Set-Cookie` in a response is sent back by that user, by the rules
 * browsers follow (domain, path, Secure, expiry, order), which tough-cookie implements (RFC 6265).
 *
 * Cost, measured (bench/flow/flow-costs.ts): tough-cookie takes about 10 µs to build a Cookie
 * header and 5 µs to store a Set-Cookie, against about 14 µs of engine CPU per whole request. So a
 * user that never received a cookie has no tough-cookie jar and pays nothing, and the jar is asked
 * once per origin for all the cookies it would send there, whatever the path; a request then
 * keeps those whose path matches (tough-cookie's pathMatch), under 1 µs. That list is asked again
 * after the user stores a cookie, or when one of its cookies expires.
 */
export class UserCookieJar {
  private jar: CookieJar | undefined;
  private readonly cookiesByOrigin = new Map<string, OriginCookies>();

  /** True until the user stores its first cookie: most requests then skip the jar altogether. */
  get isEmpty(): boolean {
    return this.jar === undefined;
  }

  /** Stores the Set-Cookie header(s) of a response from `requestUrl` (each hop's own URL when redirected). */
  store(setCookie: string | readonly string[] | undefined, requestUrl: string): void {
    if (setCookie === undefined || setCookie.length === 0) return;
    this.jar ??= new CookieJar();
    // A cookie the rules refuse (another domain, a public suffix) or cannot parse is dropped, as a
    // browser drops it: the server's mistake, not the run's.
    if (typeof setCookie === 'string') this.jar.setCookieSync(setCookie, requestUrl, { ignoreError: true });
    else for (const cookie of setCookie) this.jar.setCookieSync(cookie, requestUrl, { ignoreError: true });
    this.cookiesByOrigin.clear();
  }

  /** The Cookie header to send with a request to `requestUrl` (absolute http or https), or undefined when no cookie applies. */
  cookieHeader(requestUrl: string): string | undefined {
    if (!this.jar) return undefined;
    const { origin, path } = originAndPath(requestUrl);
    let cookies = this.cookiesByOrigin.get(origin);
    if (!cookies || Date.now() >= cookies.validUntil) cookies = this.lookUp(origin, requestUrl);
    let header: string | undefined;
    for (const cookie of cookies.list) {
      if (pathMatch(path, cookie.path)) header = header === undefined ? cookie.pair : `${header}; ${cookie.pair}`;
    }
    return header;
  }

  private lookUp(origin: string, requestUrl: string): OriginCookies {
    // Sorted as a Cookie header lists them: longer paths first, then older cookies (RFC 6265 5.4).
    const found = this.jar!.getCookiesSync(requestUrl, { allPaths: true, sort: true });
    let validUntil = Infinity;
    // Read after the lookup, which restarts a Max-Age cookie's time (tough-cookie counts Max-Age
    // from the last access): the list stays right for as long as the jar would say so.
    for (const cookie of found) validUntil = Math.min(validUntil, cookie.expiryTime() ?? Infinity);
    const cookies: OriginCookies = { list: found.map((cookie) => ({ path: cookie.path ?? '/', pair: cookie.cookieString() })), validUntil };
    if (this.cookiesByOrigin.size >= MAX_ORIGINS) this.cookiesByOrigin.clear();
    this.cookiesByOrigin.set(origin, cookies);
    return cookies;
  }
}

interface OriginCookies {
  /** The cookies for this origin (scheme, host and port: Secure and Domain are decided), in header order. */
  list: Array<{ path: string; pair: string }>;
  /** Epoch ms at which the first of them expires. */
  validUntil: number;
}

// Bounds the memory of a user that is redirected to many hosts.
const MAX_ORIGINS = 16;

/** `http://h:1/a/b?q` → origin `http://h:1`, path `/a/b`; without parsing a URL object per request. */
function originAndPath(url: string): { origin: string; path: string } {
  const authority = url.indexOf('//') + 2;
  let end = url.length;
  const query = url.indexOf('?', authority);
  if (query !== -1) end = query;
  const fragment = url.indexOf('#', authority);
  if (fragment !== -1 && fragment < end) end = fragment;
  const slash = url.indexOf('/', authority);
  if (slash === -1 || slash > end) return { origin: url.slice(0, end), path: '/' };
  return { origin: url.slice(0, slash), path: url.slice(slash, end) };
}
