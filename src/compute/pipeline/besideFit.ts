/**
 * The files a saved fit keeps beside it, each a cache of work done on that
 * fit: `<fit>.scores` (exact scores), `<fit>.scores.<method>` (an iterative
 * method's solves, scoreCache.ts), `<fit>.neighbours` (the issue pass's
 * searches, neighbourCache.ts). One list, so the CLI's output-target checks
 * cover every file the engine may write and none is added without them.
 */
import { INFLUENCE_METHODS } from '../../protocol/results';

/** Methods whose solves are kept (exact keeps scores, not solves; TracIn has nothing to solve). */
const SOLVED = INFLUENCE_METHODS.filter((m) => m !== 'exact' && m !== 'tracin');

export function besideFit(fitPath: string): { scores: string; neighbours: string; all: string[] } {
  const scores = `${fitPath}.scores`;
  const neighbours = `${fitPath}.neighbours`;
  return { scores, neighbours, all: [scores, ...SOLVED.map((m) => `${scores}.${m}`), neighbours] };
}
