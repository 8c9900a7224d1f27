import autocannon from 'autocannon';
import type { LoadResult } from '../load-result.js';

/**
 * autocannon 9 through its programmatic API, in a process of its own (pinned by the parent).
 * argv: url connections durationSeconds [requests], requests being JSON {headers, paths}: GETs of
 * those paths in turn on every connection, with those headers (else a GET of the URL).
 * Prints one LoadResult line.
 */
export interface AutocannonRequests {
  headers: Record<string, string>;
  paths: string[];
}

const [url, connectionsText, durationText, requestsText] = process.argv.slice(2);
const connections = Number(connectionsText);
const duration = Number(durationText);
const requests = requestsText ? (JSON.parse(requestsText) as AutocannonRequests) : undefined;
const cpuBefore = process.cpuUsage();
const result = await autocannon({
  url: url!,
  connections,
  duration,
  pipelining: 1,
  ...(requests ? { headers: requests.headers, requests: requests.paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
});
const cpu = process.cpuUsage(cpuBefore);
const report: LoadResult = {
  tool: 'autocannon',
  connections,
  requests: result.requests.total,
  errors: result.errors + result.non2xx,
  seconds: result.duration,
  rps: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  cpuUserSeconds: cpu.user / 1e6,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
