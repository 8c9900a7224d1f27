/**
 * Where slice results, plans and reports live: S3 on AWS, a folder on one machine. Keys are
 * relative (`<runId>/steps/<s>/slices/<k>/<worker>.cbor`); an adapter may put them under a prefix.
 * Writes of the same key overwrite, so a retried write is harmless.
 */
export interface BlobStore {
  /** Text is stored as UTF-8; bytes as they are. */
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** The object's text (UTF-8), or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  /** The object's bytes, or undefined when there is none. */
  getBytes(key: string): Promise<Uint8Array | undefined>;
  /** Every key under `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
