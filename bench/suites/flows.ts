import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { byFile, costliestFunctions, selfTimes, type ProfiledRun } from '../flow/cpu-profile-summary.js';
import { lastingFor, prepareEngineRun, runFlowEngine, type FlowEngineResult, type PreparedEngineRun } from '../flow/run-flow-engine.js';
import { staticPaths, writeShopScenarioFiles } from '../flow/shop-scenario-files.js';
import { cpuMicrosPerRequest, requestsPerCpuSecond, rotated, type LoadResult } from '../load-result.js';
import { artilleryInstalled, ensureArtillery } from '../peers/artillery-install.js';
import { resultInLoadWindow } from '../peers/load-window.js';
import { runArtillery } from '../peers/run-artillery.js';
import { runAutocannon } from '../peers/run-autocannon.js';
import { locustBinary, locustVersion, runLocust, type LocustUserClass } from '../peers/run-locust.js';
import { runWrk, wrkBinary } from '../peers/run-wrk.js';
import { table, type BenchContext, type BenchSection, type Verdict } from '../section.js';
import { median, round, thousands } from '../stats.js';
import { requestsOf, shopBusy, startShopServer, type ShopServer, type ShopStats } from '../targets/shop-server.js';

/**
 * Users that follow flows, per core: fanout's static `requests:` path, the shop flow in YAML and
 * the same flow as a TypeScript module, beside Locust (HttpUser, FastHttpUser), Artillery, and —
 * for the static path — wrk and autocannon, all against the same shop on core 1, each generator
 * pinned to core 0, the tools' order rotated every round. Per core = requests per CPU-second of
 * the generator: when the generator's core is saturated this is its req/s; when the shop slows
 * down it still compares what each request costs the generator.
 */
export interface FlowsOptions {
  users: number;
  seconds: number;
  /** Also profile one run of each fanout kind (V8's sampling profiler) into this folder and report where the time goes. */
  profileDir?: string | undefined;
}

type Tool = 'static' | 'yaml' | 'module' | 'locust-http' | 'locust-fast' | 'artillery' | 'wrk' | 'autocannon';

const LABEL: Record<Tool, string> = {
  static: '**fanout static path**',
  yaml: '**fanout YAML flow**',
  module: '**fanout TS module**',
  'locust-http': 'Locust HttpUser',
  'locust-fast': 'Locust FastHttpUser',
  artillery: 'Artillery',
  wrk: 'wrk (static)',
  autocannon: 'autocannon (static)',
};

const SHORT: Record<Tool, string> = {
  static: 'static',
  yaml: 'YAML flow',
  module: 'TS module',
  'locust-http': 'Locust HttpUser',
  'locust-fast': 'Locust FastHttpUser',
  artillery: 'Artillery',
  wrk: 'wrk',
  autocannon: 'autocannon',
};

/** The issue's targets, per core: the flows against the static path, and against the peers. */
const YAML_VS_STATIC = 0.5;
const MODULE_VS_STATIC = 0.3;
const FLOW_PEERS: Tool[] = ['locust-http', 'locust-fast', 'artillery'];

interface RunOfTool {
  result: LoadResult;
  /** What the shop counted during the run: refusals show a flow that did not log in or capture. */
  shop: ShopStats;
}

function describeRun(result: LoadResult, shop: ShopStats): string {
  const cpu = cpuMicrosPerRequest(result);
  return (
    `${result.tool.padEnd(20)} ${thousands(result.rps).padStart(7)} req/s` +
    `${cpu === undefined ? '' : `  ${round(cpu, 1)} µs CPU/req  ${thousands(requestsPerCpuSecond(result))} req/CPU-s`}` +
    `  p50 ${round(result.p50Ms)} ms  p99 ${round(result.p99Ms)} ms  shop busy ${Math.round(100 * shopBusy(shop))} %` +
    `${result.errors ? `  errors ${result.errors}` : ''}${shop.refused ? `  refused ${shop.refused}` : ''}`
  );
}

/**
 * Not timed: the YAML flow and the TS module against the shop, and nothing refused — so the users
 * really logged in (each its own account), carried the captured token, and asked for the items
 * their captures named.
 */
async function checkFlows(shop: ShopServer, runs: PreparedEngineRun[], users: number, log: (line: string) => void): Promise<Array<Array<string | number>>> {
  const rows: Array<Array<string | number>> = [];
  const problems: string[] = [];
  for (const run of runs) {
    await shop.reset();
    const result = await runFlowEngine(run);
    const stats = await shop.stats();
    const iterations = result.iterations.reduce((sum, entry) => sum + entry.completed, 0);
    const stopped = result.iterations.reduce((sum, entry) => sum + entry.stoppedByCapture + entry.scriptErrors, 0);
    const own = `${run.tool}: ${stats.accountsLoggedIn} accounts logged in, ${stats.received.list} lists, ${stats.received.item} items, ${stats.refused} refused; fanout counted ${result.requests} requests, ${result.errors} errors, ${iterations} iterations completed`;
    log(`  check ${own}`);
    if (stats.refused > 0) problems.push(`${run.tool}: the shop refused ${stats.refused} requests`);
    if (stats.accountsLoggedIn !== users) problems.push(`${run.tool}: ${stats.accountsLoggedIn} accounts logged in, not ${users}`);
    if (stats.received.list === 0 || Math.abs(stats.received.list - stats.received.item) > users) problems.push(`${run.tool}: ${stats.received.list} lists but ${stats.received.item} items`);
    if (result.errors > 0 || stopped > 0) problems.push(`${run.tool}: ${result.errors} errors (${JSON.stringify(result.errorsByType)}), ${stopped} iterations stopped`);
    if (result.requests !== requestsOf(stats)) log(`  note: ${run.tool} counted ${result.requests} responses, the shop ${requestsOf(stats)} requests (those in flight at the end are not counted)`);
    rows.push([run.tool, stats.accountsLoggedIn, stats.received.login, thousands(stats.received.list), thousands(stats.received.item), stats.refused, result.errors, thousands(iterations)]);
  }
  if (problems.length > 0) throw new Error(`the flows did not run as written against the shop: ${problems.join('; ')}`);
  return rows;
}

export async function flowsPerCore(context: BenchContext, options: FlowsOptions): Promise<BenchSection> {
  const { log } = context;
  const folder = await mkdtemp(join(tmpdir(), 'fanout-bench-flows-'));
  const shop = await startShopServer(options.users);
  try {
    const token = await shop.login(0);
    const files = await writeShopScenarioFiles(folder, { accounts: options.users, token });
    const prepare = (tool: string, file: string, name: string) =>
      prepareEngineRun(tool, file, { target: shop.url, users: options.users, seconds: options.seconds, settingsFile: join(folder, `${name}.settings.json`) });
    const engine: Record<'static' | 'yaml' | 'module', PreparedEngineRun> = {
      static: await prepare('fanout static', files.staticYaml, 'static'),
      yaml: await prepare('fanout YAML flow', files.flowYaml, 'yaml'),
      module: await prepare('fanout TS module', files.flowModule, 'module'),
    };
    const checkSeconds = context.smoke ? 1 : 2;
    const checkRows = await checkFlows(
      shop,
      [await lastingFor(engine.yaml, checkSeconds, join(folder, 'yaml-check.settings.json')), await lastingFor(engine.module, checkSeconds, join(folder, 'module-check.settings.json'))],
      options.users,
      log,
    );

    const notes: string[] = [];
    const locust = locustBinary();
    if (!locust) notes.push("Locust is not installed, so its columns are missing (Debian: `apt-get install python3-locust`).");
    const wrk = wrkBinary();
    if (!wrk) notes.push('wrk is not installed, so its row is missing (`apt-get install wrk`).');
    // A smoke run never installs Artillery (minutes, hundreds of MB): it uses it only when a full run already did.
    const artillery = context.smoke ? await ensureArtilleryIfInstalled(log) : await ensureArtillery(log);
    if ('missing' in artillery) notes.push(`Artillery's row is missing: ${artillery.missing}.`);
    const artilleryVersion = 'version' in artillery ? artillery.version : undefined;
    const tools: Tool[] = [
      'static',
      'yaml',
      'module',
      ...(locust ? (['locust-http', 'locust-fast'] as const) : []),
      ...('bin' in artillery ? (['artillery'] as const) : []),
      ...(wrk ? (['wrk'] as const) : []),
      'autocannon',
    ];
    const wrkScript = join(folder, 'static-paths.lua');
    await writeFile(wrkScript, wrkLuaScript(token));

    const runTool = async (tool: Tool): Promise<LoadResult> => {
      const users = options.users;
      const seconds = options.seconds;
      switch (tool) {
        case 'static':
        case 'yaml':
        case 'module':
          return runFlowEngine(engine[tool]);
        case 'locust-http':
        case 'locust-fast': {
          const userClass: LocustUserClass = tool === 'locust-http' ? 'HttpUser' : 'FastHttpUser';
          const run = await runLocust(locust!, userClass, { url: shop.url, users, seconds, folder });
          return resultInLoadWindow(SHORT[tool], users, run.outcome, await shop.stats(), run.own);
        }
        case 'artillery': {
          const run = await runArtillery((artillery as { bin: string }).bin, { url: shop.url, users, seconds, folder });
          return resultInLoadWindow(SHORT[tool], users, run.outcome, await shop.stats(), run.own);
        }
        case 'wrk':
          return { ...(await runWrk(wrk!, shop.url, users, seconds, ['-s', wrkScript])), tool: SHORT[tool] };
        case 'autocannon':
          return { ...(await runAutocannon(shop.url, users, seconds, { headers: { authorization: `Bearer ${token}` }, paths: staticPaths() })), tool: SHORT[tool] };
      }
    };

    const byTool = new Map<Tool, RunOfTool[]>(tools.map((tool) => [tool, []]));
    const rounds: Array<Map<Tool, RunOfTool>> = [];
    for (let roundIndex = 0; roundIndex < context.rounds; roundIndex++) {
      const order = rotated(tools, roundIndex);
      const inRound = new Map<Tool, RunOfTool>();
      for (const tool of order) {
        await shop.reset();
        const result = await runTool(tool);
        const run = { result, shop: await shop.stats() };
        inRound.set(tool, run);
        byTool.get(tool)!.push(run);
        log(`  round ${roundIndex + 1}: ${describeRun(result, run.shop)}`);
        await sleep(context.smoke ? 100 : 1000);
      }
      rounds.push(inRound);
    }

    const toolRows = tools.map((tool) => toolRow(tool, byTool.get(tool)!));
    const ratio = (numerator: Tool, denominator: Tool, measure: (result: LoadResult) => number) =>
      rounds
        .filter((run) => run.has(numerator) && run.has(denominator))
        .map((run) => measure(run.get(numerator)!.result) / measure(run.get(denominator)!.result))
        // A round whose peer's CPU could not be read (no sample around its window) leaves that ratio out.
        .filter(Number.isFinite);
    const comparisons: Array<{ numerator: Tool; denominator: Tool; target?: string }> = [
      { numerator: 'yaml', denominator: 'static', target: `≥ ${YAML_VS_STATIC}×` },
      { numerator: 'module', denominator: 'static', target: `≥ ${MODULE_VS_STATIC}×` },
      ...FLOW_PEERS.flatMap((peer) => [
        { numerator: 'yaml' as const, denominator: peer, target: '> 1×' },
        { numerator: 'module' as const, denominator: peer, target: '> 1×' },
      ]),
      { numerator: 'static', denominator: 'wrk' },
      { numerator: 'static', denominator: 'autocannon' },
    ];
    const perCoreRatio = new Map<string, number>();
    const ratioRows = comparisons
      .filter(({ numerator, denominator }) => tools.includes(numerator) && tools.includes(denominator))
      .map(({ numerator, denominator, target }) => {
        const perCpu = ratio(numerator, denominator, requestsPerCpuSecond);
        const rps = ratio(numerator, denominator, (result) => result.rps);
        perCoreRatio.set(`${numerator}/${denominator}`, median(perCpu));
        return [
          `${SHORT[numerator]} / ${SHORT[denominator]}`,
          `${round(median(perCpu))}× (${perCpu.map((value) => round(value)).join(', ')})`,
          `${round(median(rps))}×`,
          target ?? '–',
        ];
      });

    const verdicts = flowVerdicts(perCoreRatio, tools, context.smoke);
    const profile = options.profileDir ? await profileEngineRuns(options.profileDir, engine, shop, log) : undefined;

    const markdown = [
      `Target: ${shop.description}, pinned to core 1; each generator pinned to core 0; ${options.users} users (connections), ` +
        `closed model, no think time; ${options.seconds} s per run, ${context.rounds} rounds, the tools' order rotated every round.`,
      '',
      '- **fanout static path**: `requests:`, GETs of the URLs the flow reads (the 20 list pages and the item each names) with a fixed `authorization: Bearer <token issued once>` header; one engine worker, as in the load-per-core section.',
      '- **fanout YAML flow**: the shop flow of scenarios/shop without its think time: `onStart` logs in (each user its own account from a CSV, `pick: unique`) capturing `$.token`; each iteration GETs `/items?page={{ randomInt(1, 20) }}` with `authorization: Bearer {{ token }}`, capturing `$.items[0].id`, then `/items/{{ itemId }}` with the same header (expect status 200). One engine worker (userFactoryFor the plan, as a worker runs it).',
      '- **fanout TS module**: the same flow as a scenario module (`user.request`, `res.json()`), type-checked and bundled by the CLI\'s own path (settingsFromCli), run by the same engine worker.',
      `- **Locust** ${locust ? (locustVersion(locust) ?? '') : ''} (Debian's \`python3-locust\`), one process, headless: on_start logs in and keeps the token; one task: the list with the header, \`items[0].id\`, the item; \`wait_time = constant(0)\`; HttpUser (python-requests) and FastHttpUser (geventhttpclient).`,
      `- **Artillery** ${artilleryVersion ?? '2'} (npm, installed on demand into node_modules/.cache), one worker thread (\`WORKERS=1\`): the users arrive in the first second, each logs in once (\`capture: json $.token\`, its own account from the CSV payload), then loops (\`whileTrue\`) the list with the header (\`capture: json $.items[0].id\`) and the item; its default per-endpoint metrics on, as fanout's per-name histograms are.`,
      "- **wrk** (a Lua script cycling the static URLs with the header) and **autocannon** (the same URLs in turn): the static path's peers on this target, as the load-per-core section measures them on nginx (a static path unchanged keeps the same standing against them).",
      '',
      "req/s = responses / the run's wall time. fanout measures itself (its CPU over the slice, from process.cpuUsage); Locust and Artillery are measured from outside " +
        "over the window in which they made load, from the shop's first request to its last: requests as the shop counted them, CPU (user + kernel) of the generator's " +
        'process tree sampled from /proc every 100 ms, so their start-up (Python imports, Artillery\'s seconds of loading) is left out. wrk\'s CPU is sampled the same way over its whole run. ' +
        "Requests per CPU-second = requests / the generator's CPU seconds: what one core of it makes when the core is the limit. " +
        'When neither the generator\'s core nor the shop\'s is near 100 % busy, the two waited on each other (and on the machine\'s other work: see the load average), ' +
        'so req/s measured the round trips, not either side\'s capacity; CPU per request still compares the generators. ' +
        "Shop core busy = the shop's own CPU over its requests' window: near 100 %, the shop was the limit and the generator's core idled part of the time " +
        '(a generator whose responses trickle in also batches less per turn of its event loop, so its CPU per request rises somewhat).',
      '',
      table(
        ['generator', 'req/s (median)', 'generator core busy', 'CPU µs per request', 'requests per CPU-second', 'p50 / p99 ms (median)', 'shop core busy', 'peak RSS MB', 'errors (all rounds)', 'refused by the shop (all rounds)'],
        toolRows,
      ),
      '',
      'Ratios within each round (median, and every round). Per core = requests per CPU-second; req/s alone measures the shop when a generator outruns it (its core then idles):',
      '',
      table(['comparison', 'per core (requests per CPU-second)', 'req/s', 'target'], ratioRows),
      '',
      extraCostSentence(byTool),
      '',
      'Check before the rounds, not timed: each fanout flow for ' + `${checkSeconds} s with ${options.users} users against the shop, which counts logins per account and refuses unknown tokens and item ids:`,
      '',
      table(['run', 'accounts logged in', 'logins', 'lists', 'items', 'refused', 'fanout errors', 'iterations completed'], checkRows),
      ...(profile ? ['', profile] : []),
      ...(notes.length ? ['', ...notes] : []),
    ].join('\n');
    return { id: 'flows', title: 'Users that follow flows: per core, against Locust and Artillery', markdown, verdicts };
  } finally {
    await shop.close();
    await rm(folder, { recursive: true, force: true });
  }
}

async function ensureArtilleryIfInstalled(log: (line: string) => void): Promise<{ bin: string; version: string } | { missing: string }> {
  const installed = await artilleryInstalled();
  if (installed) return installed;
  log('  artillery is not installed yet: a smoke run does not install it (a full run does)');
  return { missing: 'not installed (a smoke run does not install it)' };
}

/** A peer that reported no percentiles in a round (Locust writes its CSV once a second) leaves that round out. */
function medianMs(values: number[]): string | number {
  const known = values.filter(Number.isFinite);
  return known.length ? round(median(known)) : '–';
}

function toolRow(tool: Tool, runs: RunOfTool[]): Array<string | number> {
  const results = runs.map((run) => run.result);
  const cpu = results.map(cpuMicrosPerRequest).filter((value): value is number => value !== undefined);
  const perCpu = results.map(requestsPerCpuSecond).filter(Number.isFinite);
  const busy = results.map((result) => (result.cpuSeconds === undefined ? NaN : result.cpuSeconds / result.seconds)).filter(Number.isFinite);
  const rss = results.map((result) => result.peakRssMb).filter((value): value is number => value !== undefined);
  const sampled = tool === 'wrk' || tool === 'artillery' || tool.startsWith('locust');
  return [
    LABEL[tool],
    thousands(median(results.map((result) => result.rps))),
    busy.length ? `${Math.round(100 * median(busy))} %` : '–',
    cpu.length ? `${round(median(cpu), 1)}${sampled ? ' (sampled)' : ''}` : '–',
    perCpu.length ? thousands(median(perCpu)) : '–',
    `${medianMs(results.map((result) => result.p50Ms))} / ${medianMs(results.map((result) => result.p99Ms))}`,
    `${Math.round(100 * median(runs.map((run) => shopBusy(run.shop))))} %`,
    rss.length ? Math.round(median(rss)) : '–',
    results.reduce((sum, result) => sum + result.errors, 0),
    runs.reduce((sum, run) => sum + run.shop.refused, 0),
  ];
}

function flowVerdicts(perCore: Map<string, number>, tools: Tool[], smoke: boolean): Verdict[] {
  const judged = (met: boolean) => (smoke ? undefined : met);
  const yaml = perCore.get('yaml/static') ?? NaN;
  const module = perCore.get('module/static') ?? NaN;
  const peers = FLOW_PEERS.filter((peer) => tools.includes(peer));
  const missing = FLOW_PEERS.filter((peer) => !tools.includes(peer));
  const versus = (kind: 'yaml' | 'module') => peers.map((peer) => `${round(perCore.get(`${kind}/${peer}`) ?? NaN)}× ${SHORT[peer]}`).join(', ');
  const ratios = peers.flatMap((peer) => [perCore.get(`yaml/${peer}`) ?? NaN, perCore.get(`module/${peer}`) ?? NaN]);
  const behind = ratios.some((ratio) => ratio <= 1);
  // A peer installed but never measured (its CPU unread in every round) is as good as missing.
  const unmeasured = ratios.some((ratio) => !Number.isFinite(ratio));
  return [
    { target: `YAML flow ≥ ${YAML_VS_STATIC}× the static path per core (requests per CPU-second)`, measured: `${round(yaml)}×`, met: judged(yaml >= YAML_VS_STATIC) },
    { target: `TS module ≥ ${MODULE_VS_STATIC}× the static path per core`, measured: `${round(module)}×`, met: judged(module >= MODULE_VS_STATIC) },
    {
      target: 'YAML flow and TS module ahead of Locust (HttpUser, FastHttpUser) and Artillery per core, same flow and target',
      measured: `YAML ${versus('yaml')}; TS ${versus('module')}${missing.length ? `; not measured: ${missing.map((peer) => SHORT[peer]).join(', ')}` : ''}`,
      met: behind ? judged(false) : missing.length > 0 || unmeasured ? undefined : judged(true),
    },
  ];
}

/** What the flows add to the static path's CPU per request (medians over the rounds). */
function extraCostSentence(byTool: Map<Tool, RunOfTool[]>): string {
  const cpu = (tool: Tool) => median((byTool.get(tool) ?? []).map((run) => cpuMicrosPerRequest(run.result)).filter((value): value is number => value !== undefined));
  const base = cpu('static');
  return (
    `Per request the static path cost ${round(base, 1)} µs of CPU, the YAML flow ${round(cpu('yaml'), 1)} µs (${round(cpu('yaml') - base, 1)} µs more: ` +
    'rendering the path and header, building the request\'s bytes, keeping and parsing the response, the capture, the user\'s own loop), ' +
    `the TS module ${round(cpu('module'), 1)} µs (${round(cpu('module') - base, 1)} µs more).`
  );
}

/** wrk's requests: the static path's URLs in turn, each with the fixed token, formatted once. */
function wrkLuaScript(token: string): string {
  const paths = staticPaths().map((path) => `"${path}"`).join(', ');
  return `local paths = { ${paths} }
local requests = {}
local next_index = 0
function init(args)
  wrk.headers["authorization"] = "Bearer ${token}"
  for index, path in ipairs(paths) do requests[index] = wrk.format("GET", path) end
end
function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
`;
}

/**
 * One more run of each fanout kind with V8's sampling profiler on its slice (not counted above: the
 * profiler costs a few per cent): self time per function in µs per request, the heaviest of any
 * kind, and per file.
 */
async function profileEngineRuns(dir: string, engine: Record<'static' | 'yaml' | 'module', PreparedEngineRun>, shop: ShopServer, log: (line: string) => void): Promise<string> {
  const kinds = ['static', 'yaml', 'module'] as const;
  const runs: ProfiledRun[] = [];
  await mkdir(dir, { recursive: true });
  for (const kind of kinds) {
    const file = join(dir, `${kind}.cpuprofile`);
    await shop.reset();
    const result: FlowEngineResult = await runFlowEngine(engine[kind], file);
    log(`  profiled ${describeRun(result, await shop.stats())}`);
    runs.push({ label: SHORT[kind], requests: result.requests, times: await selfTimes(file, result.cpuSeconds) });
  }
  const micros = (value: number) => (value >= 0.05 ? round(value, 2) : '·');
  const functions = costliestFunctions(runs, SHORT.yaml, 12);
  const files = costliestFunctions(byFile(runs), SHORT.yaml, 10);
  const header = runs.map((run) => `${run.label}, µs per request`);
  return [
    "Where the time goes: one more run of each fanout kind with V8's sampling profiler on its slice (every 250 µs; the .cpuprofile files go to the folder given to `--profile`), " +
      "self time per function in µs per request: each function's share of the samples times the run's measured CPU per request, so that a column adds up to it " +
      "(idle left out; `(program)` is native work outside JavaScript; a native function such as `writeBuffer` carries its system call's time, and `parse` is the URL parser's; · under 0.05 µs):",
    '',
    table(['function', ...header], [
      ...functions.rows.map((row) => [`\`${row.place}\``, ...row.microsPerRequest.map(micros)]),
      ['**all samples**', ...functions.totals.map((total) => `**${round(total, 1)}**`)],
    ]),
    '',
    table(['file', ...header], files.rows.map((row) => [`\`${row.place}\``, ...row.microsPerRequest.map(micros)])),
  ].join('\n');
}
