import { isToken } from './internal/chars.js';

/**
 * An ordered, case-insensitive list of parameters (`;name=value`), as found on URIs and on
 * header values. A parameter written without `=` has the value `null`.
 *
 * Values are stored decoded: quoted strings unquoted, URI escapes resolved. Instances are
 * immutable; {@link Params.with} and {@link Params.without} return new ones.
 *
 * @public
 */
export class Params {
  /** Flat list: name0, value0, name1, value1 … */
  readonly #flat: (string | null)[];

  /**
   * @param flat - name/value pairs laid out flat; names keep the case they were written in
   */
  constructor(flat: (string | null)[] = []) {
    this.#flat = flat;
  }

  /**
   * Builds parameters from a record or from pairs.
   *
   * @param init - `{ lr: null, transport: 'tcp' }` or `[['lr', null]]`
   */
  static from(init: Record<string, string | null> | Iterable<readonly [string, string | null]>): Params {
    const flat: (string | null)[] = [];
    const pairs = Symbol.iterator in init ? init : Object.entries(init);
    for (const [k, v] of pairs as Iterable<readonly [string, string | null]>) flat.push(k, v);
    return new Params(flat);
  }

  /** Number of parameters. */
  get size(): number {
    return this.#flat.length >> 1;
  }

  #index(name: string): number {
    const f = this.#flat;
    for (let i = 0; i < f.length; i += 2) {
      const n = f[i] as string;
      if (n === name || (n.length === name.length && n.toLowerCase() === name.toLowerCase())) return i;
    }
    return -1;
  }

  /**
   * Value of a parameter: a string, `null` when present without a value, `undefined` when absent.
   *
   * @param name - parameter name, any case
   */
  get(name: string): string | null | undefined {
    const i = this.#index(name);
    return i < 0 ? undefined : (this.#flat[i + 1] as string | null);
  }

  /**
   * Whether the parameter is present (with or without a value).
   *
   * @param name - parameter name, any case
   */
  has(name: string): boolean {
    return this.#index(name) >= 0;
  }

  /**
   * A copy with `name` set to `value` (replacing an existing one in place, else appended).
   *
   * @param name - parameter name
   * @param value - the value, or `null` for a parameter without one
   */
  with(name: string, value: string | null): Params {
    const f = this.#flat.slice();
    const i = this.#index(name);
    if (i < 0) f.push(name, value);
    else f[i + 1] = value;
    return new Params(f);
  }

  /**
   * A copy without `name`.
   *
   * @param name - parameter name, any case
   */
  without(name: string): Params {
    const i = this.#index(name);
    if (i < 0) return this;
    const f = this.#flat.slice();
    f.splice(i, 2);
    return new Params(f);
  }

  /** Name/value pairs in order. */
  *entries(): IterableIterator<[string, string | null]> {
    const f = this.#flat;
    for (let i = 0; i < f.length; i += 2) yield [f[i] as string, f[i + 1] as string | null];
  }

  /** Same as {@link Params.entries}. */
  [Symbol.iterator](): IterableIterator<[string, string | null]> {
    return this.entries();
  }

  /**
   * Renders as `;name=value…` for a header: values that are not tokens are quoted.
   */
  toString(): string {
    let out = '';
    const f = this.#flat;
    for (let i = 0; i < f.length; i += 2) out += paramText(f[i] as string, f[i + 1] as string | null);
    return out;
  }
}

/**
 * @internal One header parameter as `;name[=value]`: a token or host value bare, any other
 * quoted (RFC 3261 §25.1 gen-value = token / host / quoted-string).
 */
export function paramText(name: string, value: string | null | undefined): string {
  if (value === null || value === undefined) return `;${name}`;
  return `;${name}=${isToken(value) || isHostLike(value) ? value : quote(value)}`;
}

function isHostLike(v: string): boolean {
  // IPv6 references and host:port style values render bare (gen-value = token / host).
  return /^\[[0-9A-Fa-f:.]+\]$/.test(v) || /^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(v);
}

// RFC 3261 §25.1: qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII, and
// quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F). So '"', '\' and the controls other than HTAB
// (which LWS covers), CR and LF go out as quoted-pairs; CR and LF cannot be written at all.
const NEEDS_ESCAPE = /["\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
const CR_OR_LF = /[\r\n]/;

/**
 * Quotes a string as an RFC 3261 quoted-string (§25.1): `"` and `\` are escaped, and so is every
 * control character but HTAB, so the text reads back as it was.
 *
 * @param s - raw text
 * @returns the quoted form
 * @throws RangeError when `s` holds CR or LF, which a quoted-string cannot carry
 * @public
 */
export function quote(s: string): string {
  if (CR_OR_LF.test(s)) throw new RangeError(`a quoted-string cannot carry CR or LF: ${JSON.stringify(s)}`);
  return `"${s.replace(NEEDS_ESCAPE, '\\$&')}"`;
}

/** The empty parameter list. */
export const NO_PARAMS = new Params();
