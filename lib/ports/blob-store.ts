/**
 * Where slice histograms, plans and reports live: S3 on AWS, a folder on one machine. Keys are
 * relative (`<runId>/steps/<s>/slices/<k>/<worker>.json`); an adapter may put them under a prefix.
 * Writes of the same key overwrite, so a retried write is harmless.
 */
export interface BlobStore {
  put(key: string, body: string, contentType?: string): Promise<void>;
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  /** Every key under `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
