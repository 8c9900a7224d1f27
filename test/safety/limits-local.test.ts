import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { settingsFromCli } from '../../lib/config/cli-settings.js';
import type { RunFlags } from '../../lib/config/run-settings.js';
import { planRun } from '../../lib/plan/run-plan.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/run-helpers.js';

/**
 * Absurd runs are refused when the input is read: exit 2, the field named, nothing written, and
 * fast (a billion connections used to be planned for a minute; 720h used to overflow a timer and
 * end the run at once as failed).
 */
const TARGET = 'http://127.0.0.1:9';

interface Case {
  what: string;
  args: string[];
  /** The problem line: the field, then the message. */
  problem: RegExp;
}

const flagCases: Case[] = [
  { what: 'a 720h run', args: ['--users', '1', '--duration', '720h'], problem: /--duration: at most 24h, got 720h/ },
  { what: 'a billion connections', args: ['--rate', '1', '--max-in-flight', '1000000000'], problem: /--max-in-flight: at most 1,000,000/ },
  { what: 'a million connections, past the open-file limit', args: ['--rate', '1', '--max-in-flight', '1000000'], problem: /--max-in-flight\): this run holds up to \d+ connections/ },
  { what: 'ten million users', args: ['--users', '10000000'], problem: /--users: at most 1,000,000/ },
  { what: 'a billion req/s', args: ['--rate', '1000000000'], problem: /--rate: at most 1,000,000/ },
  { what: 'a hundred thousand workers', args: ['--users', '10', '--workers', '100000'], problem: /--workers: at most 5,000/ },
  { what: 'steps to a billion users', args: ['--steps', '1:1000000000:100000000', '--step-duration', '1m'], problem: /--steps: TO \(1000000000\) is above/ },
  { what: '30 steps of an hour', args: ['--steps', '1:30:1', '--step-duration', '1h'], problem: /--step-duration\): the whole run may last at most 24h/ },
  { what: 'a day of one-second slices on 5,000 workers', args: ['--users', '5000', '--workers', '5000', '--duration', '24h', '--slice-duration', '1s'], problem: /--slice-duration\): 5000 workers × 86,400 slices/ },
  { what: 'a timeout past a day', args: ['--users', '1', '--timeout', '25h'], problem: /--timeout: at most 24h/ },
];

for (const { what, args, problem } of flagCases) {
  test(`refused at once, exit 2, the field named: ${what}`, async () => {
    const out = join(await tempDir(), 'runs');
    const startedAt = Date.now();
    const result = await runCli(['run', '--target', TARGET, ...args, '--out', out], { timeoutMs: 20_000 });
    const tookMs = Date.now() - startedAt;
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /bad input, nothing was started/);
    assert.match(result.stderr, problem);
    assert.doesNotMatch(result.stderr, /TimeoutOverflowWarning/);
    // The whole process, Node's start included; the refusal itself is timed below.
    assert.ok(tookMs < 5000, `took ${tookMs} ms`);
    await assert.rejects(readdir(out), 'nothing was written');
  });
}

test('the refusals themselves take well under a second (reading and planning, without starting a process)', async () => {
  for (const { args } of flagCases) {
    const flags: RunFlags = { target: TARGET };
    for (let index = 0; index < args.length; index += 2) {
      const name = args[index]!.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as keyof RunFlags;
      (flags as Record<string, string>)[name] = args[index + 1]!;
    }
    const startedAt = performance.now();
    await assert.rejects(async () => {
      const settings = await settingsFromCli(undefined, flags);
      const plan = planRun(settings, { platform: 'local', minWorkers: 2 });
      // The one case the schema lets through is refused by the open-file check, on the plan.
      if (plan.lanes.length > 1000) throw new Error('too many connections for this machine');
    });
    const tookMs = performance.now() - startedAt;
    assert.ok(tookMs < 250, `${args.join(' ')}: ${tookMs.toFixed(0)} ms`);
  }
});

test('a scenario file: steps, requests, headers and bodies past their limits are refused, each naming its field', async () => {
  const folder = await tempDir();
  const cases: Array<{ scenario: object; field: string; message: RegExp }> = [
    { scenario: { target: TARGET, load: { steps: Array.from({ length: 1001 }, (_, index) => index + 1), stepDuration: '1s' } }, field: 'load.steps', message: /at most 1,000 steps/ },
    { scenario: { target: TARGET, load: { steps: { from: 1, to: 5000, step: 1 }, stepDuration: '1s' } }, field: 'load.steps', message: /more than 1000 steps/ },
    {
      scenario: { target: TARGET, requests: [{ path: '/', headers: Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`x-h${index}`, 'v'])) }], load: { users: 1 } },
      field: 'requests[0].headers',
      message: /at most 100 headers/,
    },
    { scenario: { target: TARGET, requests: [{ method: 'POST', path: '/', body: 'x'.repeat(1_000_001) }], load: { users: 1 } }, field: 'requests[0].body', message: /at most 1,000,000 characters/ },
    { scenario: { target: TARGET, requests: [{ method: 'POST', path: '/', json: { blob: 'x'.repeat(1_000_001) } }], load: { users: 1 } }, field: 'requests[0].json', message: /at most 1,000,000 characters as JSON/ },
    { scenario: { target: TARGET, requests: Array.from({ length: 1001 }, () => ({ path: '/' })), load: { users: 1 } }, field: 'requests', message: /at most 1,000 requests/ },
    { scenario: { target: TARGET, thinkTime: '25h', load: { users: 1 } }, field: 'thinkTime', message: /at most 24h/ },
  ];
  for (const [index, { scenario, field, message }] of cases.entries()) {
    const file = join(folder, `case-${index}.json`);
    await writeFile(file, JSON.stringify(scenario));
    const out = join(folder, `runs-${index}`);
    const result = await runCli(['run', file, '--out', out], { timeoutMs: 20_000 });
    assert.equal(result.code, 2, `${field}: ${result.stderr}`);
    const line = result.stderr.split('\n').find((text) => text.includes(`${file}: ${field}:`));
    assert.ok(line, `${field} is named in:\n${result.stderr}`);
    assert.match(line, message);
    await assert.rejects(readdir(out));
  }
});
