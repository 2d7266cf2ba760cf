/** REPORT.md: the public datasets beside cleanlab (bench/sections/detectionPublic.ts). */
import { num, pct, table } from '../lib/markdown';
import { COUNT_ESTIMATORS, DEFAULT_COUNT_ESTIMATOR } from '../../src/compute/mislabel/count';
import { PUBLIC_SETS } from '../data/publicSets';
import { COUNT_SELECTION_SEEDS, COUNTS, type PublicCase } from '../sections/detectionPublic';

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : NaN);

interface Setting {
  key: string;
  cases: PublicCase[];
}

function settings(cases: PublicCase[]): Setting[] {
  const by = new Map<string, PublicCase[]>();
  for (const c of cases.filter((x) => x.ok)) {
    const key = `${c.title} · ${c.noiseKind} · ${Math.round(c.noise * 100)}%`;
    by.set(key, [...(by.get(key) ?? []), c]);
  }
  return [...by].map(([key, list]) => ({ key, cases: list }));
}

const relErr = (c: PublicCase, k: (typeof COUNTS)[number]) => Math.abs(c.counts![k] - c.flipped!) / c.flipped!;

export function publicSection(data: { cases: PublicCase[]; skipped: string[] } | undefined): string[] {
  if (!data) return [];
  const out = ['### Beside cleanlab, on public datasets', ''];
  out.push(
    'Datasets that Debian packages ship (bench/data/publicSets.ts; the ' +
      'benchmark installs them with apt-get as root, else skips them with a ' +
      'note): ' +
      ('a stratified 20% test split with true labels, then a share of the ' +
        'training labels flipped — *uniform* (to a random other class) or ') +
      ('*pairs* (each class to its most confusable class: the nearest class ' +
        'centroid in standardized features). The CLI analyzes each file with ' +
        'its defaults ') +
      ("(`--model auto`); cleanlab's rankings " +
        '(`get_self_confidence_for_each_label`, ' +
        '`get_normalized_margin_for_each_label`) and counts ') +
      ('(`num_label_issues`, its default `off_diagonal` and ' +
        '`off_diagonal_calibrated`) run on the **same out-of-sample ' +
        'probabilities** (read from the saved fit), ') +
      ('reimplemented in src/compute/mislabel/cleanlab.ts and matched to ' +
        "cleanlab's own output on 296 random cases. A setting is a dataset × " +
        'noise kind × rate, over its seeds. Suspicion mixes out-of-sample self-confidence and margin by how much the ' +
        "likely errors concentrate on one class per label beyond the model's own doubt, more margin the more they do " +
        '(src/compute/mislabel/calibrate.ts); the column *core* gives the share of self-confidence in each run. ' +
        'Training loss and self-influence are added by how well ' +
        'each picks out the samples the held-out models confidently place in another class from every other sample, ' +
        'the two sharing one weight as far as they rank samples alike (src/compute/mislabel/suspicion.ts).'),
    '',
  );
  const measured = new Set(data.cases.map((c) => c.set));
  const left = PUBLIC_SETS.filter((s) => !measured.has(s.id)).map((s) => s.title);
  if (left.length) out.push(`Not in this run (\`--sets\` chose the others): ${left.join(', ')}.`, '');
  for (const s of data.skipped) out.push(`- skipped: ${s}`);
  if (data.skipped.length) out.push('');
  const failed = data.cases.filter((c) => !c.ok);
  const all = settings(data.cases);
  if (!all.length) return [...out, 'No case ran.', ''];

  // The bar of issue 16, over all settings (each setting: the mean over its seeds).
  const per = all.map((s) => {
    const m = (pick: (c: PublicCase) => number) => mean(s.cases.map(pick));
    const ours = { auroc: m((c) => c.quality!.suspicion.auroc), auprc: m((c) => c.quality!.suspicion.auprc) };
    const sc = {
      auroc: m((c) => c.quality!.cleanlabSelfConfidence.auroc),
      auprc: m((c) => c.quality!.cleanlabSelfConfidence.auprc),
    };
    const mg = { auroc: m((c) => c.quality!.cleanlabMargin.auroc), auprc: m((c) => c.quality!.cleanlabMargin.auprc) };
    const best = sc.auroc >= mg.auroc ? sc : mg;
    return { s, ours, sc, mg, best };
  });
  const meanOf = (f: (p: (typeof per)[number]) => number) => mean(per.map(f));
  const oursAuroc = meanOf((p) => p.ours.auroc);
  const oursAuprc = meanOf((p) => p.ours.auprc);
  const bestAuroc = Math.max(
    meanOf((p) => p.sc.auroc),
    meanOf((p) => p.mg.auroc),
  );
  const bestAuprc = Math.max(
    meanOf((p) => p.sc.auprc),
    meanOf((p) => p.mg.auprc),
  );
  const perSettingBestAuroc = meanOf((p) => Math.max(p.sc.auroc, p.mg.auroc));
  const perSettingBestAuprc = meanOf((p) => Math.max(p.sc.auprc, p.mg.auprc));
  const worst = per.reduce(
    (w, p) =>
      p.ours.auroc - Math.max(p.sc.auroc, p.mg.auroc) < w.d
        ? { d: p.ours.auroc - Math.max(p.sc.auroc, p.mg.auroc), key: p.s.key }
        : w,
    { d: Infinity, key: '' },
  );
  const ok = data.cases.filter((c) => c.ok);
  const countErr = Object.fromEntries(COUNTS.map((k) => [k, mean(ok.map((c) => relErr(c, k)))])) as Record<
    (typeof COUNTS)[number],
    number
  >;
  const mark = (b: boolean) => (b ? '✓' : '✗');
  out.push(
    `**The bar** (issue 16), over ${per.length} settings and ${ok.length} runs of one benchmark run:`,
    '',
    `- mean AUROC of suspicion ${num(oursAuroc, 3)} against cleanlab's best ` +
      `ranking ${num(bestAuroc, 3)} (the better of its two over all settings; ` +
      `${num(perSettingBestAuroc, 3)} taking the better one per setting) ${mark(oursAuroc > perSettingBestAuroc)}`,
    `- mean AUPRC ${num(oursAuprc, 3)} against ${num(bestAuprc, 3)} (per ` +
      `setting ${num(perSettingBestAuprc, 3)}) ` +
      `${mark(oursAuprc > perSettingBestAuprc)}`,
    `- worst setting: ${num(worst.d, 3)} AUROC against cleanlab's better ` +
      `ranking there (${worst.key}) ${mark(worst.d >= -0.01)} (bar: no ` +
      `setting more than 0.01 below)`,
    `- count, mean |relative error|: ours ` +
      `${num(countErr.influenceLens, 3)}, cleanlab's default ` +
      `${num(countErr.cleanlabOffDiagonal, 3)}, ` +
      (`off_diagonal_calibrated ${num(countErr.cleanlabCalibrated, 3)} ` +
        `${mark(countErr.influenceLens < countErr.cleanlabOffDiagonal)}`),
    '',
  );

  out.push(
    table(
      [
        'setting',
        'runs',
        'model (auto)',
        'core',
        'AUROC ours',
        'cleanlab sc',
        'cleanlab margin',
        'AUPRC ours',
        'cleanlab sc',
        'cleanlab margin',
        'flipped',
        'count ours (range)',
        'cleanlab default',
        'cleanlab calibrated',
      ],
      per.map((p) => {
        const cs = p.s.cases;
        const models = [...new Set(cs.map((c) => c.model))].join(', ');
        const range = cs.map((c) => (c.countRange ? `${c.countRange[0]}–${c.countRange[1]}` : '')).filter(Boolean);
        return [
          p.s.key,
          String(cs.length),
          models,
          shares(cs),
          bold(p.ours.auroc, Math.max(p.sc.auroc, p.mg.auroc)),
          num(p.sc.auroc, 3),
          num(p.mg.auroc, 3),
          bold(p.ours.auprc, Math.max(p.sc.auprc, p.mg.auprc)),
          num(p.sc.auprc, 3),
          num(p.mg.auprc, 3),
          num(mean(cs.map((c) => c.flipped!)), 1),
          `${num(mean(cs.map((c) => c.counts!.influenceLens)), 1)}${range.length === 1 ? ` (${range[0]})` : ''}`,
          num(mean(cs.map((c) => c.counts!.cleanlabOffDiagonal)), 1),
          num(mean(cs.map((c) => c.counts!.cleanlabCalibrated)), 1),
        ];
      }),
    ),
    '',
  );

  out.push(...countChoice(ok));

  // The default model against scikit-learn's logistic regression, per dataset, on the same files.
  const bySet = new Map<string, PublicCase[]>();
  for (const c of ok) bySet.set(c.title, [...(bySet.get(c.title) ?? []), c]);
  out.push(
    "**Test accuracy of the default model** against scikit-learn's " +
      "`LogisticRegression` (standardized features; TF-IDF for text; Debian's " +
      'python3-sklearn) on the same files and noisy training labels, at 10% noise (mean ' +
      'over runs; bar: never more than 2 points below):',
    '',
  );
  out.push(
    table(
      ['dataset', 'kind', 'runs', 'model chosen', 'Influence Lens', 'scikit-learn logreg', 'difference'],
      [...bySet].map(([title, all]) => {
        const cs = all.filter((c) => c.sklearnLogregAccuracy != null);
        const ours = mean(cs.map((c) => c.testAccuracy ?? NaN));
        const sk = cs.length ? mean(cs.map((c) => c.sklearnLogregAccuracy!)) : NaN;
        const counts = new Map<string, number>();
        for (const c of cs) counts.set(c.model!, (counts.get(c.model!) ?? 0) + 1);
        const d = (ours - sk) * 100;
        return [
          title,
          cs[0].kind,
          String(cs.length),
          [...counts].map(([m, k]) => `${m} ×${k}`).join(', '),
          pct(ours),
          Number.isFinite(sk) ? pct(sk) : 'n/a (no scikit-learn)',
          Number.isFinite(d) ? `${d >= 0 ? '+' : ''}${d.toFixed(1)} points ${d >= -2 ? '✓' : '✗'}` : '',
        ];
      }),
    ),
    '',
  );
  const reasons = ok.filter((c) => c.modelReason).slice(0, 1);
  if (reasons.length) out.push(`Example of the choice as the results file gives it: "${reasons[0].modelReason}"`, '');
  if (failed.length)
    out.push(
      `**${failed.length} run(s) failed**: ` +
        `${failed.map((c) => `${c.set} ${c.noiseKind} ${Math.round(c.noise * 100)}% seed ${c.seed}`).join(', ')}.`,
      '',
    );
  return out;
}

function bold(v: number, other: number): string {
  return v > other ? `**${num(v, 3)}**` : num(v, 3);
}

/** The calibrated core's share of self-confidence over a setting's runs (the rest is the margin). */
function shares(cs: PublicCase[]): string {
  const known = cs.filter((c) => c.selfConfidenceShare !== undefined).map((c) => c.selfConfidenceShare!);
  return known.length ? known.map((v) => num(v, 2)).join(', ') : '';
}

/**
 * The count estimator chosen on the selection seeds (lowest mean |relative error|) and scored on the others, so the
 * choice is not tuned to the runs it is scored on; the engine's default should be the one chosen.
 */
function countChoice(ok: PublicCase[]): string[] {
  const withAll = ok.filter((c) => c.estimatorCounts);
  if (!withAll.length) return [];
  const select = withAll.filter((c) => COUNT_SELECTION_SEEDS.includes(c.seed));
  const heldOut = withAll.filter((c) => !COUNT_SELECTION_SEEDS.includes(c.seed));
  const err = (cs: PublicCase[], e: (typeof COUNT_ESTIMATORS)[number]) =>
    mean(cs.map((c) => Math.abs(c.estimatorCounts![e] - c.flipped!) / c.flipped!));
  const cleanlab = (cs: PublicCase[]) => mean(cs.map((c) => relErr(c, 'cleanlabOffDiagonal')));
  const chosen = COUNT_ESTIMATORS.reduce((a, e) => (err(select, e) < err(select, a) ? e : a));
  return [
    `**Choosing the count estimator** on the runs with seed ${COUNT_SELECTION_SEEDS.join(', ')} ` +
      `(${select.length} runs) and scoring it on the other seeds (${heldOut.length} runs, never used to choose): ` +
      `mean |relative error| of each estimator the engine has (src/compute/mislabel/count.ts). ` +
      `Chosen: \`${chosen}\`; the engine's default is \`${DEFAULT_COUNT_ESTIMATOR}\` ` +
      `${chosen === DEFAULT_COUNT_ESTIMATOR ? '✓' : '✗ (they differ)'}. ` +
      `On the held-out runs: ${num(err(heldOut, DEFAULT_COUNT_ESTIMATOR), 3)} against cleanlab's default ` +
      `${num(cleanlab(heldOut), 3)} ${err(heldOut, DEFAULT_COUNT_ESTIMATOR) < cleanlab(heldOut) ? '✓' : '✗'}.`,
    '',
    table(
      ['estimator', 'selection runs', 'held-out runs'],
      COUNT_ESTIMATORS.map((e) => [
        e === chosen ? `**${e}**` : e,
        num(err(select, e), 3),
        heldOut.length ? num(err(heldOut, e), 3) : 'n/a',
      ]),
    ),
    '',
  ];
}
