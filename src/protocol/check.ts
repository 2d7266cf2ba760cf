/**
 * Runtime checks for messages that cross a wire (subprocess IPC, webview
 * postMessage). Each checker both validates an `unknown` and gives it a static
 * type, so a message type and its check cannot drift apart. Browser-safe: the
 * webview bundles this file too, so no Node imports here.
 */

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Validates `value` (found at `path`, for the error message) and returns it typed. */
export type Check<T> = (value: unknown, path: string) => T;

/** The type a checker produces. */
export type Checked<C> = C extends Check<infer T> ? T : never;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new ProtocolError(`${path}: expected ${expected}, got ${describe(value)}`);
}

export const str: Check<string> = (v, path) => (typeof v === 'string' ? v : fail(path, 'a string', v));

export const bool: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v));

/** A finite number (NaN and ±Infinity never cross a JSON wire intact, so reject them early). */
export const num: Check<number> = (v, path) =>
  typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a finite number', v);

export const int: Check<number> = (v, path) => (Number.isSafeInteger(v) ? (v as number) : fail(path, 'an integer', v));

export const nonNegInt: Check<number> = (v, path) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : fail(path, 'a non-negative integer', v);

/** An integer in [min, max]: for counts a sender could otherwise make huge. */
export function intInRange(min: number, max: number): Check<number> {
  return (v, path) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max
      ? (v as number)
      : fail(path, `an integer from ${min} to ${max}`, v);
}

export function oneOf<const T extends readonly (string | number | boolean | null)[]>(values: T): Check<T[number]> {
  return (v, path) =>
    values.includes(v as T[number])
      ? (v as T[number])
      : fail(path, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
}

export function arrayOf<T>(item: Check<T>, maxLength = Number.MAX_SAFE_INTEGER): Check<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, 'an array', v);
    if (v.length > maxLength) fail(path, `at most ${maxLength} items`, v);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

/** Marks an object field as optional: absent (or undefined) is accepted. */
export interface Optional<T> {
  readonly optional: Check<T>;
}

export function optional<T>(check: Check<T>): Optional<T> {
  return { optional: check };
}

type Shape = Record<string, Check<unknown> | Optional<unknown>>;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
export type ObjectOf<S extends Shape> = Flatten<
  { [K in RequiredKeys<S>]: S[K] extends Check<infer T> ? T : never } & {
    [K in OptionalKeys<S>]?: S[K] extends Optional<infer T> ? T : never;
  }
>;

/**
 * A plain object with exactly these fields. Unknown fields are dropped from
 * the result (not rejected), so a newer sender can add fields without
 * breaking an older receiver.
 */
export function object<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (v, path) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
    const source = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(shape)) {
      const value = source[key];
      if ('optional' in spec) {
        if (value !== undefined) out[key] = spec.optional(value, `${path}.${key}`);
      } else {
        out[key] = spec(value, `${path}.${key}`);
      }
    }
    return out as ObjectOf<S>;
  };
}

/**
 * A discriminated union on `type`: picks the checker by the `type` field, so
 * an error names the fields of the variant that was meant, not of all of them.
 */
export function union<M extends Record<string, Check<object>>>(
  variants: M,
): Check<{ [K in keyof M]: Checked<M[K]> & { type: K } }[keyof M]> {
  return (v, path) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'a message object', v);
    const type = (v as { type?: unknown }).type;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(variants, type)) {
      fail(
        `${path}.type`,
        `one of ${Object.keys(variants)
          .map((k) => JSON.stringify(k))
          .join(', ')}`,
        type,
      );
    }
    return { ...variants[type](v, path), type } as { [K in keyof M]: Checked<M[K]> & { type: K } }[keyof M];
  };
}

/** A dictionary with string keys and values of one kind (solver diagnostics, stage timings). */
export function recordOf<T>(value: Check<T>): Check<Record<string, T>> {
  return (v, path) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
    const out: Record<string, T> = {};
    for (const [key, item] of Object.entries(v as Record<string, unknown>)) out[key] = value(item, `${path}.${key}`);
    return out;
  };
}

/** Any one of several checkers (tried in order): for values that may be a number, a string or a flag. */
export function anyOf<T extends unknown[]>(...checks: { [K in keyof T]: Check<T[K]> }): Check<T[number]> {
  return (v, path) => {
    const errors: string[] = [];
    for (const check of checks) {
      try {
        return check(v, path);
      } catch (error) {
        errors.push((error as Error).message.replace(`${path}: expected `, ''));
      }
    }
    return fail(path, errors.join(' or '), v);
  };
}

/**
 * A measured number as JSON carries it: a number, or null where the writer
 * had NaN or ±Infinity (JSON.stringify writes those as null). Read back as
 * NaN, so a reader shows "—" instead of refusing a whole file for one value.
 */
export const measure: Check<number> = (v, path) =>
  v === null ? Number.NaN : typeof v === 'number' ? v : fail(path, 'a number or null', v);

/** A checker that also says, in words, what it accepts: option tables show the same words on every face. */
export type Rule<T> = Check<T> & { readonly expected: string };

/** A rule from a predicate: `expected` completes "expected …" in every message about a value that fails it. */
export function rule<T>(expected: string, ok: (v: unknown) => v is T): Rule<T> {
  const check: Check<T> = (v, path) => (ok(v) ? v : fail(path, expected, v));
  return Object.assign(check, { expected });
}
