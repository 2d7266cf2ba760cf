/**
 * The files a saved fit keeps beside it, each a cache of work done on that
 * fit: `<fit>.scores` (exact scores), `<fit>.scores.<method>` (an iterative
 * method's solves, scoreCache.ts), `<fit>.neighbours` (the issue pass's
 * searches, neighbourCache.ts), `<fit>.embeddings` (the user's model's vectors,
 * onnx/embeddingCache.ts). One list, so the CLI's output-target checks
 * cover every file the engine may write and none is added without them.
 */
import { INFLUENCE_METHODS } from '../../protocol/results';

/** Methods whose solves are kept (exact keeps scores, not solves; TracIn has nothing to solve). */
const SOLVED = INFLUENCE_METHODS.filter((m) => m !== 'exact' && m !== 'tracin');

export function besideFit(fitPath: string): { scores: string; neighbours: string; embeddings: string; all: string[] } {
  const scores = `${fitPath}.scores`;
  const neighbours = `${fitPath}.neighbours`;
  const embeddings = `${fitPath}.embeddings`;
  return {
    scores,
    neighbours,
    embeddings,
    all: [scores, ...SOLVED.map((m) => `${scores}.${m}`), neighbours, embeddings],
  };
}
