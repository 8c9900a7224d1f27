import type { RunSettings } from '../config/run-settings.js';
import { requestSteps } from '../flow/flow-schema.js';
import { isSecretHeader, isSecretQueryParameter } from './credential-names.js';
import { Redactor, type SecretEntry } from './redactor.js';
import { FINGERPRINT_HEX, fingerprintOf, REDACTION_MARK } from './secret-fingerprint.js';

/**
 * A run's secrets, as the workers need them and the redactor hides them: every entry, and the
 * values of the environment variables the scenario reads (`${env:NAME}` in flows), by name.
 */
export interface RunSecrets {
  entries: SecretEntry[];
  env: Record<string, string>;
}

export const NO_SECRETS: RunSecrets = { entries: [], env: {} };

/** A credential after its scheme (`Bearer x` → x); the whole value when it has none. */
const SCHEMED = /^(Bearer|Basic|Digest|Token|Negotiate|NTLM|AWS4-HMAC-SHA256)\s+(\S.*)$/i;

function decodedOrSame(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Gathers the secret values of a run, once, from everything that describes it. Flows (and anything
 * else that puts credentials into requests) add theirs through `add` and `addEnv`.
 */
export class SecretCollector {
  private readonly values = new Map<string, Set<string>>();
  private readonly env: Record<string, string> = {};

  /** A secret as it is sent; `alternates` are other spellings of it to hide in text (decoded forms). */
  add(value: string, alternates: readonly string[] = []): void {
    if (value === '') return;
    const known = this.values.get(value) ?? new Set<string>();
    for (const alternate of alternates) if (alternate !== '' && alternate !== value) known.add(alternate);
    this.values.set(value, known);
  }

  /** A header's value: its credential after the scheme (the scheme stays readable), Basic's decoded parts hidden too. */
  addHeaderValue(value: string): void {
    const schemed = SCHEMED.exec(value.trim());
    if (!schemed) return this.add(value);
    const credential = schemed[2]!;
    if (schemed[1]!.toLowerCase() !== 'basic') return this.add(credential);
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const password = decoded.slice(decoded.indexOf(':') + 1);
    this.add(credential, [decoded, password, encodeURIComponent(password)]);
  }

  /** The values of credential-like (or listed) parameters in a URL's or a path's query, as written. */
  addQuery(urlOrPath: string, secretQuery: readonly string[]): void {
    const query = urlOrPath.split('#')[0]!.split('?').slice(1).join('?');
    for (const pair of query.split(/[&;]/)) {
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = decodedOrSame(pair.slice(0, equals));
      const value = pair.slice(equals + 1);
      if (isSecretQueryParameter(name, secretQuery)) this.add(value, [decodedOrSame(value)]);
    }
  }

  /** `${env:NAME}`'s value: sent to the workers by name, hidden everywhere as a secret. */
  addEnv(name: string, value: string): void {
    this.env[name] = value;
    this.add(value);
  }

  /** The run's secrets, each with a marker unique within the run. */
  collect(): RunSecrets {
    const values = [...this.values.keys()];
    // Two secrets of one run whose short fingerprints collide get longer ones.
    let digits = FINGERPRINT_HEX;
    const markerFor = (value: string) => `${REDACTION_MARK}${fingerprintOf(value, digits)}`;
    while (digits < 32 && new Set(values.map(markerFor)).size < values.length) digits += 2;
    return {
      entries: values.map((value) => ({ value, marker: markerFor(value), alternates: [...this.values.get(value)!] })),
      env: { ...this.env },
    };
  }
}

/**
 * What a run's requests carry that must not be written or printed: credential headers and query
 * values. Whatever else in the settings holds a credential registers it here too, and is then
 * sealed and restored with the rest (both work on every string of the settings): the values of the
 * `${env:NAME}` flows read (`addEnv`), a client certificate's private key (`add`), fixed credential
 * headers of flow steps (`addHeaderValue`).
 */
export function collectSecrets(settings: RunSettings, collector = new SecretCollector()): RunSecrets {
  const secretHeaders = settings.secretHeaders ?? [];
  const secretQuery = settings.secretQuery ?? [];
  if (settings.target !== 'demo') collector.addQuery(settings.target, secretQuery);
  for (const request of settings.requests) {
    for (const [name, value] of Object.entries(request.headers)) if (isSecretHeader(name, secretHeaders)) collector.addHeaderValue(value);
    collector.addQuery(request.path, secretQuery);
  }
  if (settings.flows) {
    for (const [name, value] of Object.entries(settings.flows.env)) collector.addEnv(name, value);
    for (const step of requestSteps(settings.flows.scenario)) {
      // A templated value is filled in per user (a captured token): only what is written as it is can be known here.
      for (const [name, value] of Object.entries(step.headers)) if (isSecretHeader(name, secretHeaders) && !value.includes('{{') && !value.includes('${env:')) collector.addHeaderValue(value);
      if (!step.path.includes('{{')) collector.addQuery(step.path, secretQuery);
    }
  }
  if (settings.tls?.key) collector.add(settings.tls.key);
  return collector.collect();
}

export function redactorOf(secrets: RunSecrets): Redactor {
  return new Redactor(secrets.entries);
}
