import { constants } from 'node:os';

/** The signals that end a run from outside: Ctrl-C, a service manager or `kill`, a closed terminal. */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

export interface InterruptOptions {
  /** Said on the first signal, which stops the run gracefully (its report still comes). */
  message: string;
  /**
   * On a second signal: leave what can be left quickly (a report from what is on disk), then the
   * process exits. Bounded by `forceBudgetMs`; a third signal exits at once.
   */
  onForce?: () => Promise<string | undefined>;
  forceBudgetMs?: number;
  write?: (text: string) => void;
}

export interface Interrupts {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  dispose(): void;
}

/** Exit code by the shell's convention: 128 + the signal's number (130 for Ctrl-C). */
export const exitCodeOf = (signal: InterruptSignal) => 128 + constants.signals[signal];

/**
 * The first interrupt stops the run and lets it finish its report; the second leaves a report from
 * what is on disk and exits; the third exits at once. SIGHUP (the terminal closed) and SIGTERM count
 * as Ctrl-C: none of them may lose a run's report.
 */
export function handleInterrupts(options: InterruptOptions): Interrupts {
  const stop = new AbortController();
  // After SIGHUP the terminal may be gone: a failed write must not crash the process.
  const write = (text: string) => {
    try {
      (options.write ?? ((line: string) => process.stderr.write(line)))(text);
    } catch {
      // Nowhere to say it.
    }
  };
  const ignoreClosedStream = () => {};
  process.stderr.on('error', ignoreClosedStream);
  process.stdout.on('error', ignoreClosedStream);
  let interrupts = 0;
  const onSignal = (signal: InterruptSignal) => {
    interrupts++;
    if (interrupts === 1) {
      write(`\n${options.message} (${signal}; again to stop at once${options.onForce ? ', with a report of what is on disk' : ''})\n`);
      stop.abort();
      return;
    }
    if (interrupts > 2 || !options.onForce) process.exit(exitCodeOf(signal));
    write(`\nstopping at once (${signal}): writing the report from what is on disk\n`);
    const budget = setTimeout(() => process.exit(exitCodeOf(signal)), options.forceBudgetMs ?? 5000);
    options.onForce().then(
      (said) => {
        if (said) write(`${said}\n`);
      },
      (error: unknown) => write(`the report could not be written: ${error instanceof Error ? error.message : String(error)}\n`),
    ).finally(() => {
      clearTimeout(budget);
      process.exit(exitCodeOf(signal));
    });
  };
  for (const signal of INTERRUPT_SIGNALS) process.on(signal, onSignal);
  return {
    signal: stop.signal,
    dispose: () => {
      for (const signal of INTERRUPT_SIGNALS) process.off(signal, onSignal);
      process.stderr.off('error', ignoreClosedStream);
      process.stdout.off('error', ignoreClosedStream);
    },
  };
}
