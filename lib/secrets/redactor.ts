/** One secret of a run: its value, what is shown instead, and other spellings of it to hide in text. */
export interface SecretEntry {
  /** As it is sent (a header's credential, a query value as written, an environment variable's value). */
  value: string;
  /** `••••3f9a2c`: unique within the run. */
  marker: string;
  /** The same secret written otherwise (decoded, or inside an encoding): hidden in text, never put back. */
  alternates: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One pattern matching every given text, longest first, so that a secret inside another is not split. */
function anyOf(texts: Iterable<string>): RegExp | undefined {
  const unique = [...new Set(texts)].filter((text) => text !== '').sort((a, b) => b.length - a.length);
  return unique.length === 0 ? undefined : new RegExp(unique.map(escapeRegExp).join('|'), 'g');
}

type Json = unknown;

const isPlainObject = (value: object) => [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

/**
 * Applies `change` to every string inside a value (keys included) through arrays and plain objects,
 * returning a copy; anything else (bytes of a histogram, a Map) is kept as it is.
 */
function mapStrings(value: Json, change: (text: string) => string): Json {
  if (typeof value === 'string') return change(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, change));
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [change(key), mapStrings(item, change)]));
  }
  return value;
}

/**
 * Hides a run's secrets in anything written or printed, and puts them back where a request is
 * built. Replacement is one pass over the text with one pattern, so a marker put in is never
 * matched again (a secret may look like the hex of another's marker).
 */
export class Redactor {
  private readonly hide: RegExp | undefined;
  private readonly hideValues: RegExp | undefined;
  private readonly reveal: RegExp | undefined;
  private readonly markerOf = new Map<string, string>();
  private readonly valueOf = new Map<string, string>();

  constructor(readonly entries: readonly SecretEntry[]) {
    for (const entry of entries) {
      this.valueOf.set(entry.marker, entry.value);
      this.markerOf.set(entry.value, entry.marker);
    }
    // An alternate of one secret never shadows another secret's own value.
    for (const entry of entries) for (const alternate of entry.alternates) if (!this.markerOf.has(alternate)) this.markerOf.set(alternate, entry.marker);
    this.hide = anyOf(this.markerOf.keys());
    this.hideValues = anyOf(entries.map((entry) => entry.value));
    this.reveal = anyOf(this.valueOf.keys());
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Free text (a log line, an error message): every spelling of every secret replaced by its marker. */
  text(text: string): string {
    return this.hide ? text.replace(this.hide, (found) => this.markerOf.get(found)!) : text;
  }

  /** What a worker writes or reports (a slice's result, its running totals): `text` applied to every string in it. */
  hideIn<T>(value: T): T {
    return this.hide ? (mapStrings(value, (text) => this.text(text)) as T) : value;
  }

  /**
   * A structure (settings, a plan): every secret's own value replaced by its marker in every string,
   * keys included. `restore` undoes exactly this, so it never touches alternates.
   */
  seal<T>(value: T): T {
    const pattern = this.hideValues;
    return pattern ? (mapStrings(value, (text) => text.replace(pattern, (found) => this.markerOf.get(found)!)) as T) : value;
  }

  /** The inverse of `seal` on the strings of `value`: each marker replaced by its secret. */
  restore<T>(value: T): T {
    const pattern = this.reveal;
    return pattern ? (mapStrings(value, (text) => text.replace(pattern, (found) => this.valueOf.get(found)!)) as T) : value;
  }

  /** A log function whose lines are redacted. */
  log(write: (message: string) => void): (message: string) => void {
    return this.isEmpty ? write : (message) => write(this.text(message));
  }
}
