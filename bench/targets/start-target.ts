import { findCommand } from '../machine.js';
import type { BenchTarget } from './bench-target.js';
import { startNginxTarget } from './nginx-target.js';
import { startNodeTarget } from './node-target.js';

export type TargetChoice = 'auto' | 'nginx' | 'node';

/** nginx when it is installed (it leaves more headroom than node:http), else the node:http target. */
export async function startBenchTarget(choice: TargetChoice = 'auto'): Promise<BenchTarget> {
  if (choice !== 'node') {
    const nginx = findCommand(['nginx', '/usr/sbin/nginx']);
    if (nginx) return startNginxTarget(nginx);
    if (choice === 'nginx') throw new Error('nginx is not installed (apt-get install nginx)');
  }
  return startNodeTarget();
}
