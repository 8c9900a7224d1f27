import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small shop on 127.0.0.1 that behaves as a real one would for the shop scenarios: POST /login
 * checks an account and hands out a token; /items, /items/{id} and /cart refuse unknown tokens and
 * ids. It counts what it receives: logins per account, requests per route, refusals.
 */
export interface ShopTarget {
  url: string;
  /** Successful logins per account. */
  logins(): Record<string, number>;
  /** Requests per route: login, list, item, cart (refused ones included). */
  received(): Record<string, number>;
  /** Requests refused: bad password, unknown token, unknown item. */
  refused(): number;
  /** The distinct values a request header came with. */
  headerValues(name: string): string[];
  close(): Promise<void>;
}

/** The accounts file the shop knows: `user,password` rows user0@example.com,secret-0 … */
export { accountsCsv } from '../../bench/flow/shop-scenario-files.js';

export async function startShopTarget(accounts: number, options: { delayMs?: number } = {}): Promise<ShopTarget> {
  const passwords = new Map(Array.from({ length: accounts }, (_, index) => [`user${index}@example.com`, `secret-${index}`]));
  const tokens = new Map<string, string>();
  const logins: Record<string, number> = {};
  const received: Record<string, number> = {};
  let refused = 0;
  let cartId = 0;
  const headerValues = new Map<string, Set<string>>();

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    const send = () => response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
    if (options.delayMs) setTimeout(send, options.delayMs);
    else send();
  };
  const refuse = (response: ServerResponse, status: number) => {
    refused++;
    json(response, status, { error: status === 401 ? 'unauthorized' : 'not found' });
  };
  const authorised = (request: IncomingMessage) => {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    return match !== null && tokens.has(match[1]!);
  };

  const server = createServer((request, response) => {
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value !== 'string') continue;
      if (!headerValues.has(name)) headerValues.set(name, new Set());
      headerValues.get(name)!.add(value);
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://shop');
      const route = request.method === 'POST' && url.pathname === '/login' ? 'login'
        : request.method === 'GET' && url.pathname === '/items' ? 'list'
        : request.method === 'GET' && /^\/items\/\d+$/.test(url.pathname) ? 'item'
        : request.method === 'POST' && url.pathname === '/cart' ? 'cart' : 'other';
      received[route] = (received[route] ?? 0) + 1;
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        return refuse(response, 400);
      }
      switch (route) {
        case 'login': {
          const user = String(body.user);
          if (passwords.get(user) !== body.password) return refuse(response, 401);
          const token = randomBytes(8).toString('hex');
          tokens.set(token, user);
          logins[user] = (logins[user] ?? 0) + 1;
          return json(response, 200, { token });
        }
        case 'list': {
          if (!authorised(request)) return refuse(response, 401);
          const page = Number(url.searchParams.get('page') ?? '1');
          return json(response, 200, { page, items: Array.from({ length: 5 }, (_, index) => ({ id: page * 100 + index, name: `item ${page}-${index}` })) });
        }
        case 'item': {
          if (!authorised(request)) return refuse(response, 401);
          const id = Number(url.pathname.split('/')[2]);
          if (id < 100 || id >= 2100 || id % 100 >= 5) return refuse(response, 404);
          return json(response, 200, { id, name: `item ${id}`, price: 10 });
        }
        case 'cart': {
          if (!authorised(request)) return refuse(response, 401);
          if (typeof body.sku !== 'string' && typeof body.sku !== 'number') return refuse(response, 400);
          return json(response, 201, { ok: true }, { 'x-cart-id': String(++cartId) });
        }
        default:
          return refuse(response, 404);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logins: () => ({ ...logins }),
    received: () => ({ ...received }),
    refused: () => refused,
    headerValues: (name) => [...(headerValues.get(name) ?? [])],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
