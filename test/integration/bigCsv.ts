/**
 * 20,000 rows × 30 numeric features in 4 classes: an analysis that runs long
 * enough (~10 s) to be cancelled, killed, changed under or interrupted by a
 * reload. No 'vscode' import: the UI-driven smoke test writes it too.
 */
export function bigCsv(): string {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const header = [...Array.from({ length: 30 }, (_, k) => `f${k}`), 'label'].join(',');
  const rows = [header];
  for (let i = 0; i < 20_000; i++) {
    const c = i % 4;
    const row = Array.from({ length: 30 }, (_, k) => (c * (k % 3) + rnd() * 2).toFixed(3));
    rows.push(`${row.join(',')},c${c}`);
  }
  return `${rows.join('\n')}\n`;
}
