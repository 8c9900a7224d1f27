import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import type { UiServer } from '../../lib/ui/ui-server.js';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method?: 'GET' | 'POST';
  path: string;
  /** Sent as given (a foreign Host, an Origin, a cookie); Host defaults to the server's address. */
  headers?: Record<string, string>;
  /** JSON-encoded, with content-type application/json. */
  body?: unknown;
}

/**
 * One HTTP request as any local process can send it (node:http: every header is ours to set,
 * Host included), the answer's body as text.
 */
export function rawRequest(server: UiServer, options: RawRequest): Promise<RawAnswer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(options.path, server.url),
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      },
    );
    outgoing.on('error', reject).end(body);
  });
}

/** The API's token as a script sends it. */
export function bearer(server: UiServer): Record<string, string> {
  return { authorization: `Bearer ${server.token}` };
}

/** `rawRequest` with the token: the UI's own API calls, as the page (or a script given the token) makes them. */
export async function apiCall<T>(server: UiServer, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const answer = await rawRequest(server, { method, path, headers: bearer(server), ...(body === undefined ? {} : { body }) });
  return { status: answer.status, body: JSON.parse(answer.text) as T };
}
