/**
 * The results file's bytes: exactly TextEncoder's UTF-8 of JSON.stringify(results), made member by member.
 *
 * One non-ASCII character anywhere (an arrow or a dash in a method's reason, Σ in a definition) makes V8 build the
 * whole JSON text as a two-byte string, and then encoding it takes the slow path over every character: on the 10k
 * MNIST MLP's 8.7 MB file, stringify + encode took ~120 ms on the analysis thread, at the end of every run. The
 * per-sample records, nearly all of the bytes, are ASCII on most data: stringified apart from the sentences, each
 * stays a one-byte string and encodes at memory speed (~70 ms in all).
 */
const utf8 = new TextEncoder();

/**
 * The UTF-8 of JSON.stringify(value) for a plain object (no toJSON, no replacer): its members in the order
 * JSON.stringify takes them (Object.keys order), those JSON leaves out (undefined, functions, symbols) left out too.
 */
export function resultsBytes(value: object): Uint8Array {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const add = (text: string) => {
    const part = utf8.encode(text);
    parts.push(part);
    bytes += part.length;
  };
  add('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const member = JSON.stringify((value as Record<string, unknown>)[key]) as string | undefined;
    if (member === undefined) continue;
    add(`${first ? '' : ','}${JSON.stringify(key)}:`);
    add(member);
    first = false;
  }
  add('}');
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
