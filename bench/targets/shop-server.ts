import { startPinnedServerProcess } from './pinned-server-process.js';

/** What the shop server counted since its last reset (shop-server-process.ts). */
export interface ShopStats {
  /** Requests per route: login, list, item, other (refused ones included). */
  received: Record<'login' | 'list' | 'item' | 'other', number>;
  /** Refused: bad password, unknown token, unknown item, unknown route, bad request. */
  refused: number;
  /** Distinct accounts that logged in. */
  accountsLoggedIn: number;
  /** Date.now() of the first and last counted request (0 when none). */
  firstAt: number;
  lastAt: number;
  /** The shop's own CPU (user + kernel) since the reset, seconds. */
  cpuSeconds: number;
}

/** How busy the shop's core was over the window of its requests: near 100 %, the shop was the limit. */
export function shopBusy(stats: ShopStats): number {
  const seconds = (stats.lastAt - stats.firstAt) / 1000;
  return seconds > 0 ? stats.cpuSeconds / seconds : NaN;
}

export function requestsOf(stats: ShopStats): number {
  return stats.received.login + stats.received.list + stats.received.item + stats.received.other;
}

export interface ShopServer {
  url: string;
  description: string;
  reset(): Promise<void>;
  stats(): Promise<ShopStats>;
  /** A token of account 0, issued once: the static requests carry it as a fixed header. */
  login(account: number): Promise<string>;
  close(): Promise<void>;
}

/** The shop on the target's core, with accounts user0…user{accounts-1}@example.com. */
export async function startShopServer(accounts: number): Promise<ShopServer> {
  const server = await startPinnedServerProcess(new URL('./shop-server-process.js', import.meta.url), [String(accounts)], 'the shop server');
  const url = `http://127.0.0.1:${server.port}`;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`shop server: ${method} ${path} answered ${response.status}`);
    return response.json();
  };
  return {
    url,
    description: 'the shop of test/helpers/shop-target.ts (login → token; list and item refuse unknown tokens), one Node process over node:net with cached answers',
    reset: async () => void (await call('POST', '/__reset')),
    stats: async () => (await call('GET', '/__stats')) as ShopStats,
    login: async (account) => ((await call('POST', '/login', { user: `user${account}@example.com`, password: `secret-${account}` })) as { token: string }).token,
    close: server.stop,
  };
}
