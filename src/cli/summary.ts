/** The short human summary printed on stdout after an analysis. */
import { clip, escapeControl } from '../compute/data/quote';
import type { ResultsOverview } from '../compute/process/resultsOverview';
import type { IssuesSection, ResultsFile, TrainRecord } from '../compute/results/schema';
import { inCliTerms } from './flags';

/**
 * Text from the dataset (paths, labels, class names, warnings that quote
 * them) shown on the terminal: control characters escaped, so a label cannot
 * set the terminal's title or clear the screen, and long values cut.
 */
function safe(s: string, max = 200): string {
  return escapeControl(clip(s, max));
}

function percent(x: number | null): string {
  return x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`;
}

function location(r: TrainRecord): string {
  return safe(r.source.line !== undefined ? `${r.source.path}:${r.source.line}` : r.source.path, 80);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows
    .map((r) =>
      r
        .map((cell, col) => cell.padEnd(widths[col]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Where the test set came from, in words (the accuracy above is for it). */
export function testSetLine(dataset: ResultsFile['dataset']): string {
  switch (dataset.testSource) {
    case 'test-file':
      return `${safe(dataset.testPath ?? 'a separate file', 200)} (a separate file)`;
    case 'test-folder':
      return `${dataset.testPath !== undefined ? safe(dataset.testPath, 200) : 'the test'}/ folder`;
    case 'split-column':
      return 'the rows marked test by the split column';
    default:
      return `a stratified hold-out of ${dataset.nTest} sample${dataset.nTest === 1 ? '' : 's'}`;
  }
}

/** The summary of an analysis's results; its table lists the overview's top training records (the most suspect). */
export function formatSummary(results: ResultsOverview, outPath: string): string {
  const { dataset, model, influence, labelIssues, timings } = results;
  const lines: string[] = [];
  lines.push(
    `Influence Lens — ${safe(dataset.root, 400)} (${dataset.format}, ` +
      `${dataset.nTrain} train / ${dataset.nTest} test, ` +
      `${dataset.classes.length} classes)`,
  );
  lines.push(`Test set: ${testSetLine(dataset)}`);
  const hidden = model.hidden.length ? ` [${model.hidden.join(', ')}]` : '';
  lines.push(
    `Model: ` +
      `${model.source ? `a softmax head on your ${model.source.kind === 'onnx' ? "model's embedding" : 'embeddings'}` : `${model.kind}${hidden}`}, ` +
      `${model.parameters} parameters, backend ${results.engine.backend}; ` +
      `train accuracy ${percent(model.trainAccuracy)}, test accuracy ${percent(model.testAccuracy)}`,
  );
  const source = model.source;
  if (source) {
    const refit =
      source.headRelativeChange !== null && source.agreement !== null
        ? `; head refitted from the model's final layer: weights moved ` +
          `${(100 * source.headRelativeChange).toFixed(1)}%, predictions agree ` +
          `with your model on ${percent(source.agreement)}` +
          // Below half: most likely the model's outputs are in another order than the dataset's classes.
          (source.agreement < 0.5
            ? ' (low: are its outputs in the order of the classes? If not, give "classes" in the preprocessing JSON)'
            : '')
        : '; head fitted from zero';
    lines.push(
      `Features: ${safe(source.description, 400)} (${source.embeddingDim} ` +
        `values${source.runtime ? `, ${source.runtime}` : ''})${refit}; ` +
        `out-of-sample: ${safe(source.outOfSample, 400)}`,
    );
  }
  if (results.engine.backendWarning) lines.push(`WARNING: ${safe(results.engine.backendWarning, 2000)}`);
  lines.push(
    `Influence: ${influence.method} over the ${influence.target === 'full' ? 'whole network' : 'last layer'} ` +
      (`(${model.targetParameters} parameters, damping ` +
        `${influence.damping.toExponential(1)}, last-layer ‖∇R‖/n ` +
        `${model.headGradientNorm.toExponential(1)}); ${influence.reason}`),
  );
  if (influence.explained)
    lines.push(`Explained test samples: ${influence.explained.length} of ${dataset.nTest} (--explain)`);
  const rel = influence.reliability;
  if (rel) {
    lines.push(
      `Reliability: Pearson ${rel.pearson.toFixed(3)}, Spearman ` +
        `${rel.spearman.toFixed(3)} between predicted and actual ` +
        (`change of test loss over ${rel.points} (removed, test) pairs, ` +
          `retraining the ` +
          `${rel.retrain === 'full' ? 'whole network' : 'last layer'}`),
    );
    if (rel.warning) lines.push(`WARNING: ${safe(rel.warning, 2000)}`);
  }
  if (results.model.reason) lines.push(safe(results.model.reason, 2000));
  const range = labelIssues.estimatedRange;
  const likely = range && range.high > range.low ? `, likely ${range.low}–${range.high}` : '';
  lines.push(
    `Estimated label errors: ${labelIssues.estimatedCount} of ` +
      `${dataset.nTrain}${likely} (confident learning, ` +
      `${labelIssues.folds}-fold cross-fitting)`,
  );
  if (labelIssues.suspicion) lines.push(safe(labelIssues.suspicion.explanation, 2000));
  if (results.issues) lines.push(...issueLines(results.issues, dataset.nTrain, dataset.nTest));
  // A note may name an option the engine's way ("the maxSamples option", the solverSeconds budget):
  // the CLI says the flag.
  for (const w of dataset.warnings) lines.push(`Note: ${safe(inCliTerms(w), 2000)}`);
  const top = results.topTrain;
  if (top.length) {
    lines.push('', `Top ${top.length} suspected mislabels:`);
    lines.push(
      table([
        ['#', 'suspicion', 'file', 'label', 'suggested', 'p(suggested)'],
        ...top.map((r, k) => [
          String(k + 1),
          r.suspicion.toFixed(3),
          location(r),
          safe(r.label, 40),
          r.suggestedLabel === r.label ? '(same)' : safe(r.suggestedLabel, 40),
          r.suggestedProbability.toFixed(2),
        ]),
      ]),
    );
  }
  const s = timings.stages;
  const parts = Object.entries(s).map(([k, v]) => `${k} ${v.toFixed(1)}s`);
  lines.push('', `Results: ${safe(outPath, 400)}`, `Time: ${timings.totalSeconds.toFixed(1)} s (${parts.join(', ')})`);
  return lines.join('\n');
}

function signed(x: number, digits = 4): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
}

/** The data-issue counts (issue 17) and the remove-and-retrain check, predicted next to actual. */
export function issueLines(issues: IssuesSection, nTrain: number, nTest: number): string[] {
  const c = issues.counts;
  const lines = [
    `Data issues: ${c.duplicateSets} duplicate set(s) over ${c.duplicateSamples} samples, ` +
      (`${c.leakedTestSamples} of ${nTest} test samples leaked from train, ` +
        `${c.labelConflictSets} duplicate set(s) with conflicting labels; `) +
      `outliers ${c.trainOutliers} train / ${c.testOutliers} test (score ≥ ${issues.outliers.cut}); ` +
      (`${c.harmful} of ${nTrain} training samples harmful to the test loss; ` +
        `${c.underrepresentedClasses} under-represented class(es)`),
  ];
  const r = issues.harmful.removal;
  if (r) {
    lines.push(
      `Without the ${r.removed.length} most harmful: mean test loss ` +
        `${r.testLossBefore.toFixed(4)} → ${r.testLossAfter.toFixed(4)} ` +
        // A loss cannot fall below 0: a prediction there is the first-order formula past where it holds.
        (`(predicted ${r.predictedTestLossAfter < 0 ? 'below 0: too many removed for the first-order prediction to hold' : r.predictedTestLossAfter.toFixed(4)}; total change actual ` +
          `${signed(r.actualLossChange)}, predicted ` +
          `${signed(r.predictedLossChange)}), `) +
        (`test accuracy ` +
          `${percent(Number.isFinite(r.accuracyBefore) ? r.accuracyBefore : null)} ` +
          `→ ` +
          `${percent(Number.isFinite(r.accuracyAfter) ? r.accuracyAfter : null)} ` +
          `(last layer refitted)`),
    );
  }
  const pairs = issues.confusedPairs.slice(0, 3).map((p) => `${safe(p.a, 40)}↔${safe(p.b, 40)} ${p.count}`);
  if (pairs.length) lines.push(`Most confused classes (out of sample): ${pairs.join(', ')}`);
  return lines;
}
