/**
 * A response as the engine hands it to captures and checks: the final one, after redirects.
 */
export interface ReceivedResponse {
  status: number;
  /** Lower-case names; a header sent more than once as an array. */
  headers: Readonly<Record<string, string | string[]>>;
  body: Buffer;
  /** From the send to the last byte, as recorded. */
  durationMs: number;
}

export type ParsedJson = { ok: true; value: unknown } | { ok: false };

const NOT_JSON: ParsedJson = { ok: false };

/**
 * One response seen by a step's captures and checks: the body is decoded, and parsed as JSON, at
 * most once, and only when a capture or a check needs it (JSON.parse of a 2 KB body costs about as
 * much as sending the request).
 */
export class InspectedResponse {
  private decoded: string | undefined;
  private parsed: ParsedJson | undefined;

  constructor(readonly response: ReceivedResponse) {}

  get status(): number {
    return this.response.status;
  }

  get durationMs(): number {
    return this.response.durationMs;
  }

  /** The body as UTF-8 text. */
  text(): string {
    return (this.decoded ??= this.response.body.toString('utf8'));
  }

  json(): ParsedJson {
    if (this.parsed === undefined) {
      try {
        this.parsed = { ok: true, value: JSON.parse(this.text()) };
      } catch {
        this.parsed = NOT_JSON;
      }
    }
    return this.parsed;
  }

  /** A header's value (the first, when sent more than once); `name` in lower case. */
  header(name: string): string | undefined {
    const value = this.response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /** Whether the body holds this text, searched in the bytes, without decoding the body. */
  bodyIncludes(text: string): boolean {
    return this.decoded !== undefined ? this.decoded.includes(text) : this.response.body.includes(text);
  }
}
