import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { HttpProblem } from './http-problem.js';

/** The names under which this server may be addressed, and the page origins that may post to it. */
export interface AllowedNames {
  /** Host headers, lower case with the port (`127.0.0.1:8089`). */
  readonly hosts: ReadonlySet<string>;
  /** `http://127.0.0.1:8089` and so on: the server's own origins, never taken from a request. */
  readonly origins: ReadonlySet<string>;
}

/** 0.0.0.0 and :: listen everywhere: they are no name a browser would use to reach this server. */
export function isWildcardAddress(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return bare === '0.0.0.0' || (isIP(bare) === 6 && /^[0:]+$/.test(bare));
}

/** IPv6 addresses appear in brackets in Host headers and URLs. */
export function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** `name` or `name:port` (IPv6 in brackets) → the Host header values a browser sends for it. */
function hostHeadersOf(name: string, listenPort: number): string[] {
  const withPort = /^(.+):(\d+)$/.exec(name);
  const [host, port] = withPort && isIP(name) !== 6 ? [withPort[1]!, Number(withPort[2])] : [name, listenPort];
  const bare = hostForUrl(host).toLowerCase();
  // Browsers leave the default port out of the Host header (a proxy in front on 80 or 443).
  return port === 80 || port === 443 ? [`${bare}:${port}`, bare] : [`${bare}:${port}`];
}

/**
 * Always this machine's loopback names; the listen address itself when it is one address (not
 * 0.0.0.0); and each `--allow-host` name (a name the network uses for this machine, or a proxy's).
 */
export function allowedNamesFor(listenHost: string, port: number, allowHosts: readonly string[] = []): AllowedNames {
  const names = ['127.0.0.1', 'localhost', '::1', ...(isWildcardAddress(listenHost) ? [] : [listenHost]), ...allowHosts];
  const hosts = new Set(names.flatMap((name) => hostHeadersOf(name, port)));
  // A proxy that terminates TLS in front of the UI forwards its pages' https origin.
  const origins = new Set([...hosts].flatMap((host) => [`http://${host}`, `https://${host}`]));
  return { hosts, origins };
}

/**
 * DNS rebinding: a page on evil.example whose name now resolves to this machine reaches the server
 * with `Host: evil.example`. Every request, the page included, must name the server as it knows itself.
 */
export function checkHost(request: IncomingMessage, allowed: AllowedNames): void {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!allowed.hosts.has(host)) throw new HttpProblem(403, { error: 'forbidden', message: `unexpected Host ${JSON.stringify(host)}: start fanout ui with --allow-host NAME to use another name` });
}

/**
 * A request that changes something (starts or stops a run) from a browser must come from this
 * server's own page: its Origin, when the browser sends one, is one of the server's origins; and the
 * body is JSON, which a cross-site form cannot send without a CORS preflight this server never answers.
 */
export function checkStateChange(request: IncomingMessage, allowed: AllowedNames): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  const origin = request.headers.origin;
  if (origin !== undefined && !allowed.origins.has(origin.toLowerCase())) {
    throw new HttpProblem(403, { error: 'forbidden', message: `cross-origin request from ${origin}` });
  }
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpProblem(415, { error: 'unsupported', message: 'send JSON (content-type: application/json)' });
  }
}
