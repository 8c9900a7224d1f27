import { benchScript, lastJson, runChild } from '../child-process.js';
import { GENERATOR_CORE, pinned } from '../machine.js';
import type { MemoryReport } from '../memory/memory-child.js';
import { table, type BenchContext, type BenchSection } from '../section.js';
import { median, round, thousands } from '../stats.js';
import type { BenchTarget } from '../targets/bench-target.js';

/**
 * (e) Memory per open connection / virtual user: 10,000 closed-model users with think time, each
 * holding a keep-alive connection to the local target, in one engine worker.
 */
const TARGET_KB = 20;
const THINK_MS = 2000;
const SPAWN_RATE = 5000;

export async function memoryPerUser(context: BenchContext, target: BenchTarget): Promise<BenchSection> {
  const users = context.smoke ? 200 : 10_000;
  const seconds = context.smoke ? 3 : 10;
  const think = context.smoke ? 200 : THINK_MS;
  const rounds = Math.min(context.rounds, 3);
  const runs: MemoryReport[] = [];
  for (let roundIndex = 0; roundIndex < rounds; roundIndex++) {
    const script = benchScript('../memory/memory-child.js', import.meta.url);
    const { command, args } = pinned(GENERATOR_CORE, process.execPath, ['--expose-gc', script, target.url, String(users), String(think), String(seconds), String(SPAWN_RATE)]);
    const run = lastJson<MemoryReport>(await runChild(command, args, { timeoutMs: 120_000 }), 'the memory benchmark');
    runs.push(run);
    context.log(
      `  ${thousands(users)} users: RSS +${round(run.rssDuringMb - run.rssBeforeMb, 1)} MB (${round(run.rssPerUserKb, 2)} KB/user), ` +
        `heap +${round(run.heapDuringMb - run.heapBeforeMb, 1)} MB (${round(run.heapPerUserKb, 2)} KB/user), ${run.openFdsDuring - run.openFdsBefore} sockets open, ` +
        `${thousands(run.requests)} requests, ${run.errors} errors`,
    );
  }
  const rssPerUser = median(runs.map((run) => run.rssPerUserKb));
  const heapPerUser = median(runs.map((run) => run.heapPerUserKb));
  const sockets = median(runs.map((run) => run.openFdsDuring - run.openFdsBefore));
  const markdown = [
    `One engine worker (closed model) on core 0 with ${thousands(users)} users, ${think / 1000} s think time, started at ${thousands(SPAWN_RATE)} users/s; ` +
      `target: ${target.description} on core 1. Memory is read (after two full GCs) before the users start — modules loaded by a one-user warm-up — ` +
      `and again once every user has connected and sent at least twice. ${rounds} runs; medians. RSS counts the process's memory, not the kernel's socket buffers.`,
    '',
    table(
      ['measure', 'median', 'every run', 'target'],
      [
        ['RSS per user (connection)', `${round(rssPerUser, 2)} KB`, runs.map((run) => round(run.rssPerUserKb, 2)).join(', '), `≤ ${TARGET_KB} KB`],
        ['JS heap per user', `${round(heapPerUser, 2)} KB`, runs.map((run) => round(run.heapPerUserKb, 2)).join(', '), ''],
        ['RSS before → with all users', `${round(median(runs.map((run) => run.rssBeforeMb)), 0)} → ${round(median(runs.map((run) => run.rssDuringMb)), 0)} MB`, '', ''],
        ['sockets open (file descriptors added)', thousands(sockets), '', thousands(users)],
        ['requests / errors', `${thousands(median(runs.map((run) => run.requests)))} / ${median(runs.map((run) => run.errors))}`, '', ''],
      ],
    ),
    '',
    'For comparison (shared/baseline.md, same machine): undici 7 cost ~5.3 KB of JS heap and 11.5–13 KB RSS per connection at 10–15k connections; raw `net` sockets ~5.2 KB RSS.',
  ].join('\n');
  return {
    id: 'memory-per-user',
    title: 'Memory per virtual user',
    markdown,
    verdicts: [
      {
        target: `≤ ${TARGET_KB} KB per open connection / virtual user at ${thousands(users)} users`,
        measured: `${round(rssPerUser, 2)} KB RSS, ${round(heapPerUser, 2)} KB heap (${thousands(sockets)} sockets open)`,
        met: context.smoke ? undefined : rssPerUser <= TARGET_KB && sockets >= users * 0.99,
      },
    ],
  };
}
