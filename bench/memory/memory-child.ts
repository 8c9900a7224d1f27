import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { closedScenario, runOneSlice } from '../engine/engine-slice.js';

/**
 * Memory per virtual user: N closed-model users with think time, each holding a keep-alive
 * connection, in one engine worker. Run with --expose-gc. argv: url users thinkMs seconds spawnRate.
 */
export interface MemoryReport {
  users: number;
  openFdsBefore: number;
  openFdsDuring: number;
  rssBeforeMb: number;
  rssDuringMb: number;
  heapBeforeMb: number;
  heapDuringMb: number;
  externalDuringMb: number;
  rssPerUserKb: number;
  heapPerUserKb: number;
  requests: number;
  errors: number;
}

const [url, usersText, thinkText, secondsText, spawnText] = process.argv.slice(2);
const users = Number(usersText);
const thinkMs = Number(thinkText);
const seconds = Number(secondsText);
const spawnRate = Number(spawnText);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const MB = 1024 * 1024;
const openFds = () => readdirSync('/proc/self/fd').length;
function settle(): NodeJS.MemoryUsage {
  gc!();
  gc!();
  return process.memoryUsage();
}

const scenario = closedScenario(url!, users, seconds);
scenario.load = { ...scenario.load, spawnRate };
scenario.thinkTime = `${thinkMs}ms`;
// Everything but the users: modules loaded and compiled by a one-user warm-up slice.
await runOneSlice({ ...closedScenario(url!, 1, 1), thinkTime: '10ms' });
const before = settle();
const fdsBefore = openFds();
const running = runOneSlice(scenario);
// Every user started, connected and through at least two think-time cycles.
await sleep((users / spawnRate) * 1000 + 2 * thinkMs + 1000);
const during = settle();
const fdsDuring = openFds();
const result = await running;
const report: MemoryReport = {
  users,
  openFdsBefore: fdsBefore,
  openFdsDuring: fdsDuring,
  rssBeforeMb: before.rss / MB,
  rssDuringMb: during.rss / MB,
  heapBeforeMb: before.heapUsed / MB,
  heapDuringMb: during.heapUsed / MB,
  externalDuringMb: during.external / MB,
  rssPerUserKb: (during.rss - before.rss) / 1024 / users,
  heapPerUserKb: (during.heapUsed - before.heapUsed) / 1024 / users,
  requests: result.requests,
  errors: result.errors,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
