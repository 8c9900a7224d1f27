/** A keep-alive HTTP target on 127.0.0.1 that answers every request with a tiny "ok". */
export interface BenchTarget {
  kind: 'nginx' | 'node';
  /** How it runs, for the report. */
  description: string;
  url: string;
  close(): Promise<void>;
}
