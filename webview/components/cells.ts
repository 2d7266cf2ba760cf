/**
 * Pieces of a sample row shared by the lists and the influencer view. Every
 * value from the dataset goes in through Lit bindings, which set text, never
 * HTML: a label or cell holding `<script>` shows as those characters.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { Directive, directive, type ElementPart, type PartInfo, PartType } from 'lit/directive.js';
import type { SampleRow } from '../../src/protocol/webview';
import type { PanelStore } from '../store';

const REVIEW_TEXT: Record<NonNullable<SampleRow['review']>, string> = {
  confirmed: 'confirmed',
  notIssue: 'not an issue',
  relabeled: 'relabeled',
};

export function reviewText(review: SampleRow['review']): string {
  return review ? REVIEW_TEXT[review] : '';
}

/** The image itself, or the record's values. */
export function samplePreview(row: SampleRow): TemplateResult {
  return row.thumbnail
    ? html`<img class="thumb" src=${row.thumbnail} alt=${`${row.split} sample ${row.where}`} loading="lazy" />`
    : html`<span class="values" title=${row.preview ?? ''}>${row.preview ?? ''}</span>`;
}

/**
 * The sample's file (and line): opens it beside the panel. Inside a list row
 * (`inRow`) it is for the mouse, out of the tab order: the key o does the same.
 */
export function whereLink(store: PanelStore, row: SampleRow, inRow = false): TemplateResult {
  return html`<button
      class="link where"
      tabindex=${inRow ? '-1' : '0'}
      title="Open this sample beside the panel (o)"
      @click=${(e: Event) => {
        e.stopPropagation();
        store.post({ type: 'openSample', split: row.split, id: row.id });
      }}
    >
      ${row.where}</button
    >${row.relocated ? html` <span class="relocated" title="The file changed since the analysis">(${row.relocated})</span>` : nothing}`;
}

export function suspicionBar(value: number | undefined): TemplateResult | typeof nothing {
  if (value === undefined) return nothing;
  return html`<span class="bar" ${cssWidth(Math.round(Math.max(0, Math.min(1, value)) * 40))}></span>`;
}

/**
 * Sets an element's width through the CSSOM, which a CSP without
 * 'unsafe-inline' allows. (Lit's styleMap writes a style attribute on its
 * first render, which that CSP blocks.)
 */
class CssWidth extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('cssWidth goes on an element');
  }
  override update(part: ElementPart, [px]: [number]) {
    (part.element as HTMLElement).style.width = `${px}px`;
    return nothing;
  }
  render(_px: number) {
    return nothing;
  }
}
const cssWidth = directive(CssWidth);
