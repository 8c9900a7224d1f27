import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** How long an opener may take to say it failed before it is taken to have worked. */
const OPENER_PATIENCE_MS = 3000;

function openerCommand(target: string): { command: string; args: string[] } {
  switch (process.platform) {
    case 'darwin':
      return { command: 'open', args: [target] };
    case 'win32':
      // `start` is a cmd built-in; the empty string is its window title.
      return { command: 'cmd', args: ['/c', 'start', '""', target] };
    default:
      return { command: 'xdg-open', args: [target] };
  }
}

/**
 * Opens a file with the system's default program (a browser, for report.html). False when this
 * machine has no opener (a server, a container) or it failed: the caller then prints the path.
 */
export function openInBrowser(path: string): Promise<boolean> {
  const { command, args } = openerCommand(pathToFileURL(path).href);
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command, args, { stdio: 'ignore', detached: true });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      child.unref();
      resolve(true);
    }, OPENER_PATIENCE_MS);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}
