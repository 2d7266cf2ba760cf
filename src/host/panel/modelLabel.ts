/**
 * The panel's one-line model description. For a model trained here, its
 * kind and hidden widths; for the user's own model or embeddings (issue 15),
 * where the features came from, their size, and how far the refitted head
 * moved from the model's own final layer and how often it agrees with it.
 */
import path from 'node:path';
import type { ResultsFile } from '../../protocol/results';

export function modelLabel(model: ResultsFile['model']): string {
  const s = model.source;
  if (!s) return `${model.kind}${model.hidden?.length ? ` [${model.hidden.join(', ')}]` : ''}`;
  const what =
    s.kind === 'onnx'
      ? `your model ${path.basename(s.file)} (output '${s.embeddingOutput ?? '?'}', ${s.embeddingDim} values)`
      : `your embeddings (${s.embeddingDim} values: ${s.description})`;
  const refit =
    s.headRelativeChange !== null && s.agreement !== null
      ? `; head refitted from its final layer: moved ` +
        `${(100 * s.headRelativeChange).toFixed(1)}%, agrees with your model on ` +
        `${(100 * s.agreement).toFixed(1)}% of samples`
      : '; head fitted on them';
  const oos =
    s.outOfSample === 'cross-fitted' ? '' : `; out-of-sample probabilities from ${path.basename(s.outOfSample)}`;
  return `softmax head on ${what}${refit}${oos}`;
}
