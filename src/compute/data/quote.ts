/**
 * Quoting the user's data in messages. A message is read on a terminal, in
 * VS Code's output channel or in a notification, so what it quotes from a
 * dataset (a cell, a column name, a label, a file name) must be short and
 * must not act on the terminal:
 *
 *  - `clip` cuts a quoted value to `max` characters (80 by default) with an
 *    ellipsis, so a 5 MB cell is recognisable without being echoed whole;
 *  - `escapeControl` shows control characters as escapes (`\x1b`, `\n`, …),
 *    so a label holding ESC sequences cannot set the terminal's title or clear
 *    the screen, and a newline cannot forge a line of output.
 *
 * `quote` / `quoteJson` do both, in the two spellings the messages use.
 */

/** Longest quoted value, in characters, before it is cut. */
export const QUOTE_MAX = 80;

/** `s` cut to at most `max` characters (the last one an ellipsis), never splitting a surrogate pair. */
export function clip(s: string, max = QUOTE_MAX): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/**
 * C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), and the bidi
 * overrides/isolates that reorder what the reader sees (U+202A–U+202E,
 * U+2066–U+2069), plus the line/paragraph separators.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character written as a visible escape. */
export function escapeControl(s: string): string {
  CONTROL_RE.lastIndex = 0;
  return CONTROL_RE.test(s) ? s.replace(CONTROL_RE, escapeOne) : s;
}

/**
 * Terminal-safe text that may span lines: each line's control characters are
 * escaped, the line breaks themselves kept (for multi-line output built by
 * us, such as a summary or a stack trace).
 */
export function escapeControlKeepLines(s: string): string {
  return s
    .split('\n')
    .map((line) => escapeControl(line.endsWith('\r') ? line.slice(0, -1) : line))
    .join('\n');
}

/** `'value'`, cut and escaped: for names and values quoted in a message. */
export function quote(s: string, max = QUOTE_MAX): string {
  return `'${escapeControl(clip(s, max))}'`;
}

/** `"value"` as JSON spells it (escapes included), cut to `max` characters of the value. */
export function quoteJson(s: string, max = QUOTE_MAX): string {
  // JSON escapes C0 controls and quotes; escapeControl adds DEL, C1 and the bidi controls.
  return escapeControl(JSON.stringify(clip(s, max)));
}
