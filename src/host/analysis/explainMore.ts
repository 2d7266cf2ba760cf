/**
 * "Explain this prediction" on a test sample the shown results do not
 * explain: cg, lissa and gif solve one system per explained test sample, so
 * they explain the first 50 unless asked for more. The command then re-runs
 * on the saved fit with the sample's id added (the engine's explainIds
 * option): nothing is trained, the solves already made are kept
 * (pipeline/scoreCache.ts), and the new one is one more solve. Plain Node,
 * so it is unit-tested with a fake re-run.
 */

/**
 * The ids to ask the engine for so that the results explain test sample `id` as well as every one they explain now:
 * the ids beyond the first ones (the default range 0, 1, 2, …), then `id`. Undefined when `id` is explained already
 * (or the method explains every test sample: explained is null).
 */
export function explainIdsFor(explained: readonly number[] | null, id: number): number[] | undefined {
  if (explained === null || explained.includes(id)) return undefined;
  let first = 0;
  while (first < explained.length && explained[first] === first) first++;
  return [...explained.slice(first), id];
}

export interface ExplainMoreDeps {
  /** The test ids the results on screen explain (null: all of them), or undefined when none are shown. */
  explained(): readonly number[] | null | undefined;
  /** Re-runs the analysis of `datasetPath` explaining these test ids too; whether results came back. */
  rerun(datasetPath: string, explainIds: number[]): Promise<boolean>;
}

/**
 * Makes sure the shown results explain test sample `id`: 'already' when they do, 'rerun' after a re-run that added
 * it, 'failed' when the re-run gave no results (it says why itself).
 */
export async function ensureExplained(
  deps: ExplainMoreDeps,
  datasetPath: string,
  id: number,
): Promise<'already' | 'rerun' | 'failed'> {
  const explained = deps.explained();
  const ids = explained === undefined ? undefined : explainIdsFor(explained, id);
  if (!ids) return 'already';
  return (await deps.rerun(datasetPath, ids)) ? 'rerun' : 'failed';
}
