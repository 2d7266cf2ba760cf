/**
 * Counts in messages, grouped by thousands as `toLocaleString('en-US')` writes them ("12,345"), without Intl: the
 * first locale-aware call on a thread loads ICU's data, 30 ms of the analysis thread measured on every run (the
 * memory estimate names its counts before a single row is fitted), where the digits CSV's whole analysis takes ~1 s.
 * Values that are not safe integers (none of the engine's counts) go to toLocaleString.
 */
export function formatCount(value: number): string {
  if (!Number.isSafeInteger(value)) return value.toLocaleString('en-US');
  const digits = String(Math.abs(value));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let at = grouped.length; at < digits.length; at += 3) grouped += `,${digits.slice(at, at + 3)}`;
  return value < 0 || Object.is(value, -0) ? `-${grouped}` : grouped;
}
