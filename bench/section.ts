/** What each benchmark hands back: a part of docs/benchmarks.md and its verdicts against the targets. */
export interface Verdict {
  target: string;
  measured: string;
  /** undefined: not measured in this run (a peer or the endpoint was missing, or a smoke run). */
  met: boolean | undefined;
}

export interface BenchSection {
  id: string;
  title: string;
  markdown: string;
  verdicts: Verdict[];
  /** The machine's 1-minute load average when the benchmark started and ended (others' work shows in it). */
  load?: { before: number; after: number };
}

export interface BenchContext {
  /** Seconds-long run with tiny sizes: checks the benchmark works, measures nothing worth keeping. */
  smoke: boolean;
  rounds: number;
  log: (line: string) => void;
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function verdictMark(met: boolean | undefined): string {
  return met === undefined ? 'not measured' : met ? 'met' : 'NOT met';
}
