/**
 * The interim results page (the full Lit review panel is issue #5): a summary,
 * the suspected mislabels with bulk relabel and review actions, the test
 * predictions, and an explanation view with proponents and opponents. It
 * renders what the host sends and posts typed intents; the host does the work.
 */
import type { ExplanationView, HostToWebview, InfluenceRow, ResultsView, SampleRow } from '../src/protocol/webview';
import { button, fmt, h, pct } from './dom';
import { connectToHost, type HostContext } from './host';

interface PageState {
  view?: ResultsView;
  explanation?: ExplanationView;
  empty?: string;
  progress?: Extract<HostToWebview, { type: 'progress' }>;
  reviews: Map<number, SampleRow['review']>;
  selected: Set<number>;
  relabelTo?: string;
}

const REVIEW_TEXT: Record<NonNullable<SampleRow['review']>, string> = {
  confirmed: 'confirmed mislabel',
  notIssue: 'not an issue',
  relabeled: 'relabeled',
};

export function startPage(host: HostContext, root: HTMLElement): void {
  const state: PageState = { reviews: new Map(), selected: new Set() };
  const render = () => root.replaceChildren(...page(state, host, render));
  host.onMessage((m) => {
    switch (m.type) {
      case 'results':
        state.view = m.view;
        state.empty = undefined;
        state.reviews = new Map(m.view.suspects.filter((s) => s.review).map((s) => [s.id, s.review]));
        state.selected.clear();
        host.saveState({ datasetPath: m.view.datasetPath });
        break;
      case 'explanation':
        state.explanation = m.view;
        break;
      case 'stale':
        if (state.view) state.view = { ...state.view, stale: m.stale };
        break;
      case 'progress':
        state.progress = m.running ? m : undefined;
        break;
      case 'reviews':
        state.reviews = new Map(m.states.map((s) => [s.id, s.state]));
        break;
      case 'empty':
        state.view = undefined;
        state.empty = m.message;
        break;
    }
    render();
    if (m.type === 'explanation') document.querySelector('[data-role=explanation]')?.scrollIntoView();
  });
  render();
  host.post({ type: 'ready' });
}

function page(state: PageState, host: HostContext, render: () => void): Node[] {
  if (!state.view) return [h('p', { class: 'muted' }, state.empty ?? 'Waiting for results…')];
  const v = state.view;
  const out: Node[] = [];
  out.push(
    h('header', {},
      h('h1', {}, `Influence Lens — ${v.datasetName}`),
      h('p', { class: 'muted' },
        `${v.format}, ${v.nTrain} training / ${v.nTest} test samples, ${v.classes.length} classes · model ${v.model} · ` +
          `influence ${v.method} · backend ${v.backend} · accuracy train ${pct(v.trainAccuracy)}, test ${pct(v.testAccuracy)} · ` +
          `${new Date(v.createdAt).toLocaleString()}`),
      h('p', {},
        `Estimated label errors: ${v.estimatedIssues}. `,
        v.reliability
          ? `Reliability check: Pearson ${fmt(v.reliability.pearson, 2)}, Spearman ${fmt(v.reliability.spearman, 2)} over ${v.reliability.points} retrainings.`
          : 'Reliability not checked (command "Influence Lens: Run reliability check").'),
      h('div', { class: 'toolbar' },
        button('Re-run', () => host.post({ type: 'rerun' })),
        button('Export reviews (CSV)', () => host.post({ type: 'exportReviews', format: 'csv' })),
        button('Export reviews (JSON)', () => host.post({ type: 'exportReviews', format: 'json' })),
      ),
    ),
  );
  if (v.stale) {
    out.push(h('div', { class: 'banner', 'data-role': 'stale' }, 'The dataset changed since this analysis: these results are stale. ', button('Re-run now', () => host.post({ type: 'rerun' }))));
  }
  if (state.progress) {
    const p = state.progress;
    out.push(h('div', { class: 'banner' }, `Analysis running: ${p.stage ?? 'starting'} ${p.total ? `${Math.round(p.done ?? 0)}/${Math.round(p.total)}` : ''} ${p.message ?? ''}`));
  }
  out.push(suspects(state, host, render));
  if (state.explanation) out.push(explanation(state.explanation, state, host));
  out.push(tests(v, host));
  return out;
}

function where(host: HostContext, row: SampleRow): HTMLElement {
  return h('span', { class: 'where' },
    h('a', { title: 'Open this sample beside the panel', onclick: () => host.post({ type: 'openSample', split: row.split, id: row.id }) }, row.where),
    ' ',
    h('a', { class: 'reveal', title: 'Reveal in Explorer', onclick: () => host.post({ type: 'revealSample', split: row.split, id: row.id }) }, 'reveal'),
  );
}

function suspects(state: PageState, host: HostContext, render: () => void): HTMLElement {
  const v = state.view!;
  const ids = [...state.selected];
  const select = h('select', { title: 'New label' }, ...v.classes.map((c) => h('option', {}, c)));
  if (state.relabelTo) select.value = state.relabelTo;
  select.addEventListener('change', () => (state.relabelTo = select.value));
  const rows = v.suspects.map((s) => {
    const box = h('input', { title: 'Select' });
    box.type = 'checkbox';
    box.checked = state.selected.has(s.id);
    box.addEventListener('change', () => {
      if (box.checked) state.selected.add(s.id);
      else state.selected.delete(s.id);
      render();
    });
    const review = state.reviews.get(s.id);
    return h('tr', { class: s.likelyLabelIssue ? 'likely' : '' },
      h('td', {}, box),
      h('td', {}, where(host, s)),
      h('td', {}, s.label),
      h('td', {}, s.suggestedLabel && s.suggestedLabel !== s.label ? s.suggestedLabel : h('span', { class: 'muted' }, 'same')),
      h('td', { class: 'num' }, fmt(s.suspicion)),
      h('td', { class: 'preview', title: s.preview ?? '' }, s.preview ?? ''),
      h('td', {}, review ? REVIEW_TEXT[review] : ''),
      h('td', {},
        s.suggestedLabel && s.suggestedLabel !== s.label
          ? button(`→ ${s.suggestedLabel}`, () => host.post({ type: 'relabel', split: 'train', ids: [s.id], label: s.suggestedLabel! }), 'Relabel as the suggested label')
          : '',
        button('✓', () => host.post({ type: 'setReview', ids: [s.id], state: 'confirmed' }), 'Confirmed mislabel'),
        button('✗', () => host.post({ type: 'setReview', ids: [s.id], state: 'notIssue' }), 'Not an issue'),
        button('Explain', () => host.post({ type: 'explain', split: 'train', id: s.id }), 'Test predictions this sample moves most'),
      ),
    );
  });
  return h('section', {},
    h('h2', {}, `Suspected mislabels (top ${v.suspects.length} of ${v.nTrain})`),
    h('div', { class: 'toolbar' },
      `${ids.length} selected: `,
      'relabel as ', select,
      button('Relabel selected', () => ids.length && host.post({ type: 'relabel', split: 'train', ids, label: select.value })),
      button('Confirmed', () => ids.length && host.post({ type: 'setReview', ids, state: 'confirmed' })),
      button('Not an issue', () => ids.length && host.post({ type: 'setReview', ids, state: 'notIssue' })),
      button('Clear review', () => ids.length && host.post({ type: 'setReview', ids, state: null })),
      button('Undo last relabel', () => host.post({ type: 'undoRelabel' })),
    ),
    h('table', {},
      h('thead', {}, h('tr', {}, ...['', 'sample', 'label', 'suggested', 'suspicion', 'values', 'review', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...rows),
    ),
  );
}

function influenceTable(title: string, rows: InfluenceRow[], host: HostContext): HTMLElement {
  return h('div', {},
    h('h3', {}, title),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'none')
      : h('table', {},
          h('thead', {}, h('tr', {}, ...['sample', 'label', 'predicted', 'influence', 'values'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...rows.map((r) =>
            h('tr', {},
              h('td', {}, where(host, r.sample)),
              h('td', {}, r.sample.label),
              h('td', {}, r.sample.predicted),
              h('td', { class: 'num' }, fmt(r.influence)),
              h('td', { class: 'preview', title: r.sample.preview ?? '' }, r.sample.preview ?? ''),
            ))),
        ),
  );
}

function explanation(e: ExplanationView, state: PageState, host: HostContext): HTMLElement {
  const s = e.sample;
  const isTest = s.split === 'test';
  return h('section', { 'data-role': 'explanation' },
    h('h2', { 'data-anchor': 'explanation' }, `Explanation: ${s.split} sample `, where(host, s)),
    h('p', {}, `label ${s.label}, predicted ${s.predicted}, loss ${fmt(s.loss)}`, state.reviews.get(s.id) && !isTest ? ` · ${REVIEW_TEXT[state.reviews.get(s.id)!]}` : ''),
    e.note ? h('p', { class: 'muted' }, e.note) : '',
    influenceTable(isTest ? 'Proponents (training samples that helped this prediction)' : 'Test predictions it helps', e.proponents, host),
    influenceTable(isTest ? 'Opponents (training samples that hurt it)' : 'Test predictions it hurts', e.opponents, host),
  );
}

function tests(v: ResultsView, host: HostContext): HTMLElement {
  return h('section', {},
    h('h2', {}, `Test predictions (misclassified first; ${v.tests.length} of ${v.nTest})`),
    h('table', {},
      h('thead', {}, h('tr', {}, ...['sample', 'label', 'predicted', 'loss', 'values', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, ...v.tests.map((t) =>
        h('tr', { class: t.label !== t.predicted ? 'wrong' : '' },
          h('td', {}, where(host, t)),
          h('td', {}, t.label),
          h('td', {}, t.predicted),
          h('td', { class: 'num' }, fmt(t.loss)),
          h('td', { class: 'preview', title: t.preview ?? '' }, t.preview ?? ''),
          h('td', {}, button('Explain', () => host.post({ type: 'explain', split: 'test', id: t.id }), 'Proponents and opponents of this prediction')),
        ))),
    ),
  );
}

startPage(connectToHost(), document.getElementById('app')!);
