/**
 * The lists' filter by kind of data issue (issue 17): one select, shown only
 * when the results carry an issue report. Kinds that cannot apply to the
 * list (a test sample has no label-error estimate or whole-test-set
 * influence) are not offered there.
 */
import { html, nothing } from 'lit';
import type { IssueKind, ListName, ResultsView, RowQuery } from '../../src/protocol/webview';

const TEXT: Record<IssueKind, string> = {
  labelIssue: 'likely label errors',
  duplicate: 'in a duplicate set',
  leakage: 'leaked across train/test',
  labelConflict: 'duplicates with different labels',
  outlier: 'outliers',
  harmful: 'harmful to the test loss',
};
const FOR_LIST: Record<ListName, IssueKind[]> = {
  suspects: ['labelIssue', 'duplicate', 'leakage', 'labelConflict', 'outlier', 'harmful'],
  tests: ['duplicate', 'leakage', 'labelConflict', 'outlier'],
};

export function issueFilter(
  view: ResultsView,
  list: ListName,
  query: RowQuery,
  set: (change: { issue?: IssueKind }) => void,
) {
  if (!view.issues) return nothing;
  return html`<label
    >issue
    <select
      aria-label="Kind of data issue"
      data-role="filter-issue"
      @change=${(e: Event) => set({ issue: ((e.target as HTMLSelectElement).value || undefined) as IssueKind | undefined })}
    >
      <option value="" ?selected=${query.issue === undefined}>any</option>
      ${FOR_LIST[list].map((k) => html`<option .value=${k} ?selected=${query.issue === k}>${TEXT[k]}</option>`)}
    </select></label
  >`;
}
