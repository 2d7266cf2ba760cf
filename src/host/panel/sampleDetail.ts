/**
 * The detail pane's content for one sample: the whole record as its file
 * holds it now (every CSV column or JSONL field with its value, the record's
 * full text), the out-of-sample probabilities, the signals the
 * suspicion combines (each with its percentile rank and weight, so the user
 * sees why a row ranks where it does) and the sample's strongest
 * influencers. The list rows carry a one-line preview; this is where the
 * user reads what they judge. Pure: the caller reads the file.
 */
import type { TrainRecord } from '../../compute/results/schema';
import { averageRanks } from '../../compute/stats/metrics';
import {
  DETAIL_INFLUENCERS,
  type DetailView,
  MAX_FIELDS,
  MAX_RANKED_LABELS,
  MAX_RECORD_CHARS,
} from '../../protocol/webview';
import { delimiterFor, headerNames, recordAtLine } from '../relabel/csvRecord';
import { jsonlLine } from '../relabel/jsonlRecord';
import { buildExplanation, type ResultsIndex, type RowDecor } from './resultsView';
import type { ReviewDecision } from '../reviews/reviews';

/** A record as read from its file now. */
export interface RecordContent {
  fields: { name: string; value: string }[];
  text?: string;
  note?: string;
}

const cut = (text: string, max = MAX_RECORD_CHARS) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${(text.length - max).toLocaleString('en-US')} more characters)`;

/**
 * The record starting on `line` of a CSV/TSV or JSONL text, field by field;
 * undefined when no record starts there (the caller says the file changed).
 */
export function readRecord(
  text: string,
  format: 'csv' | 'jsonl',
  file: string,
  line: number,
): RecordContent | undefined {
  if (format === 'csv') {
    const delimiter = delimiterFor(file, text);
    const record = recordAtLine(text, line, delimiter);
    if (!record) return undefined;
    const names = headerNames(text, delimiter);
    const fields = record.fields
      .slice(0, MAX_FIELDS)
      .map((f, i) => ({ name: names[i] ?? `column ${i + 1}`, value: cut(f.value) }));
    const note =
      record.fields.length > MAX_FIELDS
        ? `Showing the first ${MAX_FIELDS.toLocaleString('en-US')} of ` +
          `${record.fields.length.toLocaleString('en-US')} columns.`
        : undefined;
    return { fields, text: cut(text.slice(record.start, record.end)), ...(note ? { note } : {}) };
  }
  const span = jsonlLine(text, line);
  if (!span) return undefined;
  const raw = text.slice(span.start, span.end);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed as Record<string, unknown>);
  // Strings as themselves (a text field in full), everything else as JSON.
  const fields = entries
    .slice(0, MAX_FIELDS)
    .map(([name, value]) => ({ name, value: cut(typeof value === 'string' ? value : JSON.stringify(value)) }));
  const note =
    entries.length > MAX_FIELDS
      ? `Showing the first ${MAX_FIELDS.toLocaleString('en-US')} of ${entries.length.toLocaleString('en-US')} fields.`
      : undefined;
  return { fields, text: cut(raw), ...(note ? { note } : {}) };
}

/**
 * How each signal the suspicion combines reads off a training record: its value and whether higher values are
 * more suspicious, as the engine oriented it (mislabel/suspicion.ts), and what it means.
 */
const SIGNALS: Record<
  string,
  { label: string; value: (t: TrainRecord) => number; higherIsSuspicious: boolean; meaning: string }
> = {
  outOfSampleSelfConfidence: {
    label: 'out-of-sample confidence',
    value: (t) => t.givenLabelProbability,
    higherIsSuspicious: false,
    meaning: 'p(given label) from models that never saw this sample; low: they doubt the label',
  },
  outOfSampleMargin: {
    label: 'out-of-sample margin',
    value: (t) => t.outOfSampleMargin,
    higherIsSuspicious: false,
    meaning:
      'p(given label) − the highest p(other label), from models that never ' +
      'saw this sample; below 0: they prefer another label',
  },
  trainLoss: {
    label: 'training loss',
    value: (t) => t.loss,
    higherIsSuspicious: true,
    meaning: 'cross-entropy of the given label under the trained model; higher: the model fits it badly',
  },
  selfInfluence: {
    label: 'self-influence',
    value: (t) => t.selfInfluence,
    higherIsSuspicious: true,
    meaning: 'how far this sample pulls the model toward itself; high for wrong labels and unusual inputs',
  },
  duplicateLabelConflict: {
    label: 'duplicate with another label',
    value: (t) => t.duplicateLabelConflict ?? 0,
    higherIsSuspicious: true,
    meaning: 'share of the other copies of this record (exact or near duplicates) that carry another label',
  },
};

/** Results written before suspicion said its own weights used these (the margin, loss and self-influence). */
const OLDER_WEIGHTS = [
  { name: 'outOfSampleMargin', weight: 0.5 },
  { name: 'trainLoss', weight: 0.25 },
  { name: 'selfInfluence', weight: 0.25 },
];

/**
 * Percentile ranks (0 = least, 1 = most suspicious) of one signal over the training samples, as the engine ranks them.
 */
const rankCache = new WeakMap<ResultsIndex, Map<string, Map<number, number>>>();

function percentiles(index: ResultsIndex, name: string): Map<number, number> | undefined {
  const signal = SIGNALS[name];
  if (!signal) return undefined;
  let cache = rankCache.get(index);
  if (!cache) rankCache.set(index, (cache = new Map()));
  let ranks = cache.get(name);
  if (!ranks) {
    const train = index.results.train;
    // NaN cannot be ranked; it counts as the least suspicious value.
    const values = train.map((t) => {
      const v = signal.higherIsSuspicious ? signal.value(t) : -signal.value(t);
      return Number.isFinite(v) ? v : -Number.MAX_VALUE;
    });
    const r = averageRanks(values);
    const n = train.length;
    ranks = new Map(train.map((t, i) => [t.id, n > 1 ? (r[i] - 1) / (n - 1) : 0.5]));
    cache.set(name, ranks);
  }
  return ranks;
}

const finite = (x: number) => (Number.isFinite(x) ? x : 0);

export function buildDetail(
  index: ResultsIndex,
  split: 'train' | 'test',
  id: number,
  reviews: Map<number, ReviewDecision>,
  decor: RowDecor,
  content: RecordContent | undefined,
  image: string | undefined,
): DetailView | undefined {
  const explanation = buildExplanation(index, split, id, reviews, decor);
  if (!explanation) return undefined;
  const sample = explanation.sample;
  const view: DetailView = {
    sample,
    fields: content?.fields ?? [],
    probabilities: [],
    signals: [],
    proponents: explanation.proponents.slice(0, DETAIL_INFLUENCERS),
    opponents: explanation.opponents.slice(0, DETAIL_INFLUENCERS),
  };
  if (content?.text !== undefined) view.text = content.text;
  if (content?.note) view.recordNote = content.note;
  if (image) view.image = image;
  const t = split === 'train' ? index.train.get(id) : undefined;
  if (t) {
    const ranked = (t.rankedLabels ?? [{ label: t.suggestedLabel, probability: t.suggestedProbability }]).slice(
      0,
      MAX_RANKED_LABELS,
    );
    view.probabilities = ranked.map((r) => ({ label: r.label, probability: finite(r.probability) }));
    if (!ranked.some((r) => r.label === t.label))
      view.probabilities.push({ label: t.label, probability: finite(t.givenLabelProbability) });
    const classes = index.results.dataset.classes.length;
    const listed = view.probabilities.length;
    if (listed < classes) {
      const rest = Math.max(0, 1 - view.probabilities.reduce((a, r) => a + r.probability, 0));
      view.probabilityNote =
        `The analysis kept the ${listed} most probable labels; the other ` +
        `${(classes - listed).toLocaleString('en-US')} classes share ` +
        `${rest.toFixed(2)}.`;
    }
    const weights: readonly SignalWeight[] = index.results.labelIssues.suspicion?.signals ?? OLDER_WEIGHTS;
    view.signals = weights.flatMap(({ name, weight }) => {
      const signal = SIGNALS[name];
      const ranks = percentiles(index, name);
      if (!signal || !ranks) return [];
      return [
        {
          name: signal.label,
          value: finite(signal.value(t)),
          percentile: ranks.get(id) ?? 0,
          weight,
          meaning: signal.meaning,
        },
      ];
    });
    view.suspicionNote = suspicionNote(t, weights, view.signals);
  }
  return view;
}

type SignalWeight = { name: string; weight: number; floor?: number };

/**
 * How the listed percentiles give the sample's suspicion: their weighted mean, or — when an evidence signal
 * (a duplicate carrying another label) lifted the sample to its floor (mislabel/suspicion.ts) — that floor, said
 * as such, so the numbers on screen add up.
 */
function suspicionNote(t: TrainRecord, weights: readonly SignalWeight[], shown: DetailView['signals']): string {
  const score = t.suspicion.toFixed(2);
  const mean = shown.reduce((a, g) => a + g.weight * g.percentile, 0);
  const meanText = `the weighted mean of the percentiles above (${mean.toFixed(2)})`;
  for (const w of weights) {
    const signal = SIGNALS[w.name];
    if (w.floor === undefined || !signal) continue;
    const lift = Math.min(Math.max(signal.value(t), 0), 1) * w.floor;
    // The engine takes the larger of the two; a lift that did not win leaves the mean as the score.
    if (lift > mean + 1e-9 && Math.abs(lift - t.suspicion) < 1e-9)
      return (
        `The suspicion (${score}) is raised above ${meanText} by its ${signal.label} ` +
        `(${fmt2(signal.value(t))} × ${fmt2(w.floor)}): a sample whose duplicate carries another label ranks at ` +
        `least with the samples the held-out models confidently place in another class. A rank, not a probability.`
      );
  }
  return `The suspicion (${score}) is ${meanText}: a rank, not a probability.`;
}

const fmt2 = (x: number) => x.toFixed(2);
