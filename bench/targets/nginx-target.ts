import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned, TARGET_CORE } from '../machine.js';
import type { BenchTarget } from './bench-target.js';
import { freePort, waitForPort } from './free-port.js';

function nginxConfig(dir: string, port: number): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 20000;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { return 200 "ok"; }
  }
}
`;
}

/** Debian's nginx, one worker process, pinned to the target's core, answering `return 200 "ok"`. */
export async function startNginxTarget(binary: string): Promise<BenchTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'fanout-bench-nginx-'));
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  await writeFile(config, nginxConfig(dir, port));
  const { command, args } = pinned(TARGET_CORE, binary, ['-p', dir, '-c', config, '-e', join(dir, 'error.log')]);
  const child = spawn(command, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    kind: 'nginx',
    description: 'nginx (Debian), worker_processes 1, `return 200 "ok"`, keep-alive',
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      // SIGQUIT is nginx's graceful stop; SIGTERM stops at once.
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
