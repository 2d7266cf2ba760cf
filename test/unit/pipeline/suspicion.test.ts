/** The suspicion score (mislabel/suspicion.ts) and the ranking built from it (pipeline/rankLabelIssues.ts). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  doubtedOrNot,
  pseudoLabels,
  rankCorrelation,
  redundancy,
  suspicionScores,
} from '../../../src/compute/mislabel/suspicion';
import { createRng, normal, permutation } from '../../../src/compute/random';
import { auroc, averageRanks, spearman } from '../../../src/compute/stats/metrics';
import { rankLabelIssues, rankTestLabels } from '../../../src/compute/pipeline/rankLabelIssues';

/**
 * A labelled dataset as the ranking sees it: n samples of C classes, 10% of the
 * labels flipped; out-of-sample probabilities that favour the true class by
 * `strength` (logit) with Gaussian noise, so the core ranks flips high but not
 * perfectly.
 */
function synthetic(seed: number, options: { n?: number; C?: number; strength?: number } = {}) {
  const n = options.n ?? 400;
  const C = options.C ?? 3;
  const rng = createRng(seed);
  const flipped = new Array<boolean>(n).fill(false);
  const y = new Int32Array(n);
  const probs = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const truth = i % C;
    flipped[i] = rng() < 0.1;
    y[i] = flipped[i] ? (truth + 1 + Math.floor(rng() * (C - 1))) % C : truth;
    let z = 0;
    for (let j = 0; j < C; j++) {
      probs[i * C + j] = Math.exp((j === truth ? (options.strength ?? 1.5) : 0) + normal(rng));
      z += probs[i * C + j];
    }
    for (let j = 0; j < C; j++) probs[i * C + j] /= z;
  }
  return { n, C, y, probs, flipped, rng };
}

const noise = (n: number, rng: () => number) => Float64Array.from({ length: n }, () => rng());
const perfect = (flipped: boolean[]) => Float64Array.from(flipped, (f, i) => (f ? 10 : 0) + i * 1e-6);

describe('suspicionScores', () => {
  test('a pure-noise training signal gets no weight (5 seeds), and the scores are then the core alone', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const d = synthetic(seed);
      const s = suspicionScores({
        oosProbs: d.probs,
        y: d.y,
        numClasses: d.C,
        checked: [{ name: 'trainLoss', values: noise(d.n, d.rng), higherIsSuspicious: true }],
      });
      const loss = s.signals.find((w) => w.name === 'trainLoss')!;
      assert.equal(loss.weight, 0, `seed ${seed}: agreement ${loss.agreement}`);
      const core = suspicionScores({ oosProbs: d.probs, y: d.y, numClasses: d.C, checked: [] });
      assert.deepEqual(Array.from(s.scores), Array.from(core.scores));
      assert.match(s.explanation, /training loss did not agree/);
    }
  });

  test('a perfect out-of-sample core gives a perfect ranking, whatever noise the training signals carry', () => {
    const d = synthetic(7, { strength: 40 }); // the held-out models are sure of the true class
    const s = suspicionScores({
      oosProbs: d.probs,
      y: d.y,
      numClasses: d.C,
      checked: [
        { name: 'trainLoss', values: noise(d.n, d.rng), higherIsSuspicious: true },
        { name: 'selfInfluence', values: noise(d.n, d.rng), higherIsSuspicious: true },
      ],
    });
    assert.equal(auroc(s.scores, d.flipped), 1);
  });

  test("a perfect training signal gets (almost) a core signal's weight and lifts an imperfect core", () => {
    const d = synthetic(3, { strength: 2.5 });
    const alone = suspicionScores({ oosProbs: d.probs, y: d.y, numClasses: d.C, checked: [] });
    const s = suspicionScores({
      oosProbs: d.probs,
      y: d.y,
      numClasses: d.C,
      checked: [{ name: 'selfInfluence', values: perfect(d.flipped), higherIsSuspicious: true }],
    });
    const self = s.signals.find((w) => w.name === 'selfInfluence')!;
    // Its agreement is measured on the core's pseudo-labels, which are right for most but not all samples: the flips
    // the held-out models are unsure about count against it (they are among "every other sample").
    // The core carries the weight of two signals however its calibration splits it between them.
    const core = s.signals.filter((w) => w.role === 'core').reduce((a, w) => a + w.weight, 0);
    assert.ok(self.agreement! > 0.95 && self.weight >= (0.85 * core) / 2, JSON.stringify(s.signals));
    assert.ok(
      auroc(s.scores, d.flipped) > auroc(alone.scores, d.flipped),
      `${auroc(s.scores, d.flipped)} vs ${auroc(alone.scores, d.flipped)}`,
    );
    const weights = s.signals.reduce((a, w) => a + w.weight, 0);
    assert.ok(Math.abs(weights - 1) < 1e-12);
    for (const v of s.scores) assert.ok(v >= 0 && v <= 1);
  });

  test('a signal is judged against every sample the held-out models do not doubt, the unsure ones included', () => {
    const d = synthetic(29, { strength: 1 });
    const pseudo = pseudoLabels(d.probs, d.y, d.C);
    // Perfect between the confident doubts and the confident agreements, but it puts every unsure sample on top.
    const values = Float64Array.from(pseudo, (p, i) => (p === 0 ? 2 : p > 0 ? 1 : 0) + i * 1e-9);
    const s = suspicionScores({
      oosProbs: d.probs,
      y: d.y,
      numClasses: d.C,
      checked: [{ name: 'trainLoss', values, higherIsSuspicious: true }],
    });
    const doubted = Array.from(pseudo, (p) => p > 0);
    const loss = s.signals.find((w) => w.name === 'trainLoss')!;
    assert.ok(pseudo.some((p) => p === 0) && pseudo.some((p) => p < 0), 'the data has unsure and confident samples');
    assert.ok(Math.abs(loss.agreement! - auroc(values, doubted)) < 1e-12, `${loss.agreement}`);
    assert.ok(loss.agreement! < 0.9, `${loss.agreement}: the unsure samples ranked above the doubts count against it`);
    assert.deepEqual(Array.from(doubtedOrNot(Int8Array.from([1, 0, -1, 1]))), [1, -1, -1, 1]);
  });

  test('signals that carry the same information share one weight; an unrelated one keeps its own', () => {
    const d = synthetic(31, { strength: 2.5 });
    const loss = Float64Array.from(d.flipped, (f, i) => (f ? 1 : 0) + 0.8 * d.rng() + i * 1e-9);
    const other = Float64Array.from(d.flipped, (f) => (f ? 1 : 0) + 0.8 * d.rng());
    const run = (checked: { name: string; values: Float64Array }[]) =>
      suspicionScores({
        oosProbs: d.probs,
        y: d.y,
        numClasses: d.C,
        checked: checked.map((c) => ({ ...c, higherIsSuspicious: true })),
      }).signals;
    const weightOf = (signals: ReturnType<typeof run>, name: string) => signals.find((w) => w.name === name)!.weight;
    const core = (signals: ReturnType<typeof run>) =>
      signals.filter((w) => w.role === 'core').reduce((a, w) => a + w.weight, 0);
    const alone = run([{ name: 'trainLoss', values: loss }]);
    // The same signal twice (a monotone copy): together they weigh what one did, each half.
    const twice = run([
      { name: 'trainLoss', values: loss },
      { name: 'selfInfluence', values: loss.map((v) => Math.exp(v)) },
    ]);
    assert.ok(weightOf(alone, 'trainLoss') > 0.1, JSON.stringify(alone));
    assert.ok(Math.abs(weightOf(twice, 'trainLoss') - weightOf(twice, 'selfInfluence')) < 1e-12);
    assert.ok(Math.abs(core(twice) - core(alone)) < 1e-12, `${core(twice)} vs ${core(alone)}`);
    // Noise of its own: an independent signal is nearly uncorrelated with it and keeps nearly all its weight.
    const ranks = [loss, other].map((v) => averageRanks(v));
    assert.equal(redundancy(ranks, 0), redundancy(ranks, 1));
    assert.ok(redundancy(ranks, 0) < 1.5 && redundancy(ranks, 0) >= 1, `${redundancy(ranks, 0)}`);
    assert.equal(redundancy([ranks[0], averageRanks(new Float64Array(d.n))], 0), 1, 'a constant signal adds nothing');
    // The rank correlation is Spearman's, and exact whatever the order of the samples.
    assert.ok(Math.abs(rankCorrelation(ranks[0], ranks[1]) - spearman(loss, other)) < 1e-12);
    const perm = permutation(d.n, createRng(3));
    const shuffled = [loss, other].map((v) => averageRanks(Float64Array.from(perm, (i) => v[i])));
    assert.equal(rankCorrelation(shuffled[0], shuffled[1]), rankCorrelation(ranks[0], ranks[1]));
  });

  test('invariant to the order of the samples', () => {
    const d = synthetic(11);
    const loss = noise(d.n, d.rng).map((v, i) => v + (d.flipped[i] ? 0.6 : 0));
    // Correlated with the loss, so the two share their weight (the rank correlation must not depend on the order).
    const self = loss.map((v) => v + 0.3 * d.rng());
    const checked = (values: Float64Array[]) =>
      ['trainLoss', 'selfInfluence'].map((name, k) => ({ name, values: values[k], higherIsSuspicious: true }));
    const a = suspicionScores({ oosProbs: d.probs, y: d.y, numClasses: d.C, checked: checked([loss, self]) });
    const perm = permutation(d.n, createRng(5));
    const probs = new Float64Array(d.n * d.C);
    perm.forEach((i, k) => probs.set(d.probs.subarray(i * d.C, (i + 1) * d.C), k * d.C));
    const b = suspicionScores({
      oosProbs: probs,
      y: Int32Array.from(perm, (i) => d.y[i]),
      numClasses: d.C,
      checked: checked([loss, self].map((v) => Float64Array.from(perm, (i) => v[i]))),
    });
    assert.ok(
      a.signals.every((w) => w.role === 'core' || w.weight > 0),
      JSON.stringify(a.signals),
    );
    perm.forEach((i, k) => assert.ok(Math.abs(b.scores[k] - a.scores[i]) < 1e-12));
    assert.deepEqual(b.signals, a.signals);
  });

  test('the same inputs give the same bytes', () => {
    const d = synthetic(13);
    const loss = noise(d.n, d.rng);
    const run = () =>
      suspicionScores({
        oosProbs: d.probs,
        y: d.y,
        numClasses: d.C,
        checked: [{ name: 'trainLoss', values: loss, higherIsSuspicious: true }],
      });
    assert.deepEqual(Buffer.from(run().scores.buffer), Buffer.from(run().scores.buffer));
    assert.equal(JSON.stringify(run()), JSON.stringify(run()));
  });

  test('only the order of each signal matters: monotone rescaling changes nothing', () => {
    const d = synthetic(17);
    const loss = noise(d.n, d.rng).map((v, i) => v + (d.flipped[i] ? 0.5 : 0));
    const a = suspicionScores({
      oosProbs: d.probs,
      y: d.y,
      numClasses: d.C,
      checked: [{ name: 'trainLoss', values: loss, higherIsSuspicious: true }],
    });
    const b = suspicionScores({
      oosProbs: d.probs,
      y: d.y,
      numClasses: d.C,
      checked: [{ name: 'trainLoss', values: loss.map((v) => Math.exp(3 * v) + 7), higherIsSuspicious: true }],
    });
    assert.deepEqual(Array.from(a.scores), Array.from(b.scores));
  });

  test('too few confident samples to check a signal on: it gets no weight', () => {
    const d = synthetic(19, { n: 12 });
    const s = suspicionScores({
      oosProbs: d.probs,
      y: d.y,
      numClasses: d.C,
      checked: [{ name: 'trainLoss', values: perfect(d.flipped), higherIsSuspicious: true }],
    });
    assert.equal(s.signals.find((w) => w.name === 'trainLoss')!.weight, 0);
    assert.equal(s.scores.length, 12);
  });

  test('pseudo-labels: +1 confidently another class, −1 confidently the given one, 0 unsure', () => {
    // Thresholds: class 0 = mean p0 over labels 0 = 0.6; class 1 = mean p1 over labels 1 = 0.6.
    const probs = Float64Array.from([0.9, 0.1, 0.3, 0.7, 0.3, 0.7, 0.5, 0.5]);
    assert.deepEqual(Array.from(pseudoLabels(probs, [0, 0, 1, 1], 2)), [-1, 1, -1, 0]);
  });
});

describe('rankLabelIssues', () => {
  const C = 3;
  // Out-of-sample probabilities for 6 samples; samples 1 and 4 look mislabeled.
  const oosProbs = Float64Array.from([
    0.8,
    0.1,
    0.1, //
    0.1,
    0.1,
    0.8, // given 0, looks like 2
    0.1,
    0.8,
    0.1, //
    0.2,
    0.2,
    0.6, //
    0.7,
    0.2,
    0.1, // given 1, looks like 0
    0.1,
    0.1,
    0.8,
  ]);
  const y = Int32Array.from([0, 0, 1, 2, 1, 2]);
  const ranking = rankLabelIssues({
    oosProbs,
    y,
    numClasses: C,
    trainLoss: Float64Array.from([0.1, 1.5, 0.2, 0.4, 1.2, 0.1]),
    selfInfluence: Float64Array.from([0.01, 0.5, 0.02, 0.05, 0.4, 0.01]),
  });

  test('order is every sample once, by suspicion descending (ties by index)', () => {
    assert.deepEqual(Array.from(ranking.order).sort(), [0, 1, 2, 3, 4, 5]);
    for (let k = 1; k < 6; k++) {
      const [a, b] = [ranking.order[k - 1], ranking.order[k]];
      assert.ok(
        ranking.suspicion[a] > ranking.suspicion[b] || (ranking.suspicion[a] === ranking.suspicion[b] && a < b),
      );
    }
    assert.deepEqual(new Set(ranking.order.subarray(0, 2)), new Set([1, 4]));
  });

  test('suggested label = out-of-sample argmax; margin = p(given) − max p(other)', () => {
    assert.deepEqual(Array.from(ranking.suggested), [0, 2, 1, 2, 0, 2]);
    const expected = [0.7, -0.7, 0.7, 0.4, -0.5, 0.7];
    ranking.outOfSampleMargin.forEach((m, i) => assert.ok(Math.abs(m - expected[i]) < 1e-12, `margin ${i}: ${m}`));
  });

  test('the estimated count weighs the two flips by how sure the held-out models are, with a range around it', () => {
    // Thresholds 0.45, 0.5, 0.7: samples 1 and 4 are the only confident disagreements, counted 0.8 − 0.1 and 0.7 − 0.2:
    // 1.2 → 1.
    assert.equal(ranking.estimatedCount, 1);
    assert.equal(ranking.count.estimator, 'marginWeighted');
    assert.ok(
      ranking.count.low <= 1 && ranking.count.high >= 1 && ranking.count.high <= 6,
      JSON.stringify(ranking.count),
    );
  });
});

describe('rankTestLabels', () => {
  // 5 test samples; the model is sure sample 3 is class 2 while its label says 0.
  const probs = Float64Array.from([0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.05, 0.05, 0.9, 0.6, 0.3, 0.1]);
  const y = Int32Array.from([0, 1, 2, 0, 0]);
  test("a test label the model contradicts is the most suspicious, with the model's class as the suggestion", () => {
    const r = rankTestLabels(probs, y, 3, 0.2);
    assert.ok(
      Array.from(r.suspicion).every((v, i) => i === 3 || v < r.suspicion[3]),
      `${Array.from(r.suspicion)}`,
    );
    assert.equal(r.suggested[3], 2);
    assert.deepEqual([...r.likely], [3], 'the training error rate 20% of 5 test samples: 1 flagged');
  });
  test('no test samples: empty', () => {
    assert.equal(rankTestLabels(new Float64Array(0), new Int32Array(0), 3, 0.1).suspicion.length, 0);
  });
});

describe('a duplicate with another label (issue 17) in the ranking', () => {
  test('a planted conflicting duplicate pair moves up to the confident doubts, whichever label is wrong', () => {
    const d = synthetic(23, { strength: 2.5 });
    // Sample b is a copy of sample a (same held-out probabilities) with another label; a's label is right.
    const a = d.flipped.findIndex((f, i) => !f && d.y[i] === 0 && d.probs[i * d.C] > 0.6);
    const b = d.flipped.findIndex((f, i) => !f && i !== a && d.y[i] === 1);
    d.probs.set(d.probs.subarray(a * d.C, (a + 1) * d.C), b * d.C);
    const trainLoss = noise(d.n, d.rng);
    const selfInfluence = noise(d.n, d.rng);
    const conflict = new Float64Array(d.n);
    conflict[a] = conflict[b] = 1;
    const input = { oosProbs: d.probs, y: d.y, numClasses: d.C, trainLoss, selfInfluence };
    const without = rankLabelIssues(input);
    const withIt = rankLabelIssues({
      ...input,
      extraSignals: [{ name: 'duplicateLabelConflict', values: conflict, higherIsSuspicious: true, evidence: true }],
    });
    const rank = (r: typeof without, i: number) => r.order.indexOf(i);
    assert.ok(rank(withIt, a) < rank(without, a), `a: ${rank(without, a)} → ${rank(withIt, a)}`);
    assert.ok(rank(withIt, b) <= rank(without, b), `b: ${rank(without, b)} → ${rank(withIt, b)}`);
    const signal = withIt.signals.find((s) => s.name === 'duplicateLabelConflict')!;
    // The floor is the median suspicion of the samples the held-out models confidently place in another class.
    const pseudo = pseudoLabels(d.probs, d.y, d.C);
    const doubted = Array.from(without.suspicion)
      .filter((_, i) => pseudo[i] > 0)
      .sort((x, y) => x - y);
    assert.ok(signal.floor! > 0.5 && doubted.length > 0, JSON.stringify(signal));
    for (const i of [a, b]) assert.ok(withIt.suspicion[i] >= signal.floor!);
    assert.match(withIt.explanation, /a duplicate with another label ranks at least with the samples/);
  });
});
