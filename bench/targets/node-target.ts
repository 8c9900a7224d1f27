import { startPinnedServerProcess } from './pinned-server-process.js';
import type { BenchTarget } from './bench-target.js';

/** A one-process node:http target on the target's core. */
export async function startNodeTarget(): Promise<BenchTarget> {
  const server = await startPinnedServerProcess(new URL('./node-target-process.js', import.meta.url), [], 'the node target');
  return {
    kind: 'node',
    description: 'node:http, one process, answering "ok", keep-alive (nginx not installed)',
    url: `http://127.0.0.1:${server.port}/`,
    close: server.stop,
  };
}
