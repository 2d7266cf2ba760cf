/**
 * The one line under an explained test sample ("why it came out like this"),
 * read off its strongest proponents and opponents. Pure.
 *
 * What the numbers mean (DESIGN.md §2): infl(i, t) is the predicted rise of
 * t's loss *on its given label* if training sample i were removed. Positive:
 * i lowers that loss, it supports the given label (a proponent). Negative: i
 * raises it, it pulls t away from its given label (an opponent) — toward the
 * predicted class when the prediction is wrong. So a wrong prediction is
 * explained by its opponents, never by its proponents (those argue for the
 * given label, against the prediction).
 *
 * Sentence rules, for a test sample given label y, predicted p, looking at
 * the WHY_TOP strongest of each list (n of them, fewer when fewer are kept):
 *
 *  1. Wrong prediction (p ≠ y), k = opponents labeled p:
 *     k ≥ 1 → "k of its n strongest opponents is/are labeled p: it pulls /
 *             they pull this y toward p"; and, when s ≥ 1 of those k are
 *             suspected mislabels, "; s of them is a suspected mislabel / are …".
 *     k = 0 → "none of its n strongest opponents is labeled p: the pull
 *             toward p does not come from a few training samples of p".
 *     No opponents kept → "no training sample among the strongest
 *             influences pulls it away from y".
 *  2. Right prediction (p = y), m = proponents labeled y:
 *     "m of its n strongest proponents share(s) its label y" (m = 0:
 *     "none of … shares …"); then, over its n' strongest opponents, the
 *     commonest label r ≠ y with count c:
 *       c > n'/2          → "; its strongest opponents are mostly labeled r (c of n')"
 *       c ≤ n'/2, c ≥ 1   → "; its n' strongest opponents are spread over L labels"
 *       every one is y    → "; its strongest opponents are labeled y too"
 *     and, when s ≥ 1 proponents are suspected mislabels, "; s of these
 *     proponents is a suspected mislabel / are …".
 *  3. Nothing kept on either side → no line.
 *
 * "mostly" is said only of a strict majority; a count of zero is "none",
 * never "0 of"; the verb agrees with the count.
 */
import type { TestRecord } from '../../compute/results/schema';
import type { InfluenceRow } from '../../protocol/webview';

/** How many of the strongest influences the line looks at. */
export const WHY_TOP = 5;

/** "none of its 5 strongest opponents is", "1 of its 5 … is", "3 of its 5 … are". */
function countOf(k: number, n: number, what: string, singular: string, pluralVerb: string): string {
  if (k === 0) return `none of its ${n} strongest ${what} ${singular}`;
  return `${k} of its ${n} strongest ${what} ${k === 1 ? singular : pluralVerb}`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function suspectNote(rows: InfluenceRow[], whom: string): string {
  const s = rows.filter((r) => r.sample.likelyLabelIssue).length;
  if (s === 0) return '';
  return `; ${s} of ${whom} ${s === 1 ? 'is a suspected mislabel' : 'are suspected mislabels'}`;
}

export function explainWhy(t: TestRecord, proponents: InfluenceRow[], opponents: InfluenceRow[]): string | undefined {
  const pros = proponents.slice(0, WHY_TOP);
  const cons = opponents.slice(0, WHY_TOP);
  if (pros.length === 0 && cons.length === 0) return undefined;
  const y = t.label;
  const p = t.predicted;
  if (p !== y) {
    if (cons.length === 0) return `No training sample among the strongest influences pulls it away from ${y}.`;
    const pulling = cons.filter((r) => r.sample.label === p);
    if (pulling.length === 0) {
      return (
        `${capitalize(countOf(0, cons.length, 'opponents', `is labeled ${p}`, ''))}: ` +
        `the pull toward ${p} does not come from a few training samples of ${p}.`
      );
    }
    const head = countOf(pulling.length, cons.length, 'opponents', `is labeled ${p}`, `are labeled ${p}`);
    return (
      `${capitalize(head)}: ` +
      `${pulling.length === 1 ? 'it pulls' : 'they pull'} this ${y} toward ` +
      `${p}${suspectNote(pulling, pulling.length === 1 ? 'these' : 'them')}.`
    );
  }
  const parts: string[] = [];
  if (pros.length > 0) {
    const same = pros.filter((r) => r.sample.label === y).length;
    parts.push(countOf(same, pros.length, 'proponents', `shares its label ${y}`, `share its label ${y}`));
  }
  if (cons.length > 0) {
    const rival = mostCommon(cons.map((r) => r.sample.label).filter((l) => l !== y));
    if (!rival) parts.push(`its strongest opponents are labeled ${y} too`);
    else if (rival.count * 2 > cons.length)
      parts.push(`its strongest opponents are mostly labeled ${rival.label} (${rival.count} of ${cons.length})`);
    else
      parts.push(
        `its ${cons.length} strongest opponents are spread over ` +
          `${new Set(cons.map((r) => r.sample.label)).size} labels`,
      );
  }
  return `${capitalize(parts.join('; '))}${suspectNote(pros, 'these proponents')}.`;
}

function mostCommon(labels: string[]): { label: string; count: number } | undefined {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best: { label: string; count: number } | undefined;
  for (const [label, count] of counts) if (!best || count > best.count) best = { label, count };
  return best;
}
