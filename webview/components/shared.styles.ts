/**
 * Styles every panel component shares; colours come from the VS Code theme (--vscode-*), so light, dark and high
 * contrast all work.
 */
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    color: var(--vscode-foreground);
    font-family: var(--vscode-font-family);
    font-size: var(--vscode-font-size);
  }
  .muted {
    color: var(--vscode-descriptionForeground);
  }
  a,
  .link {
    color: var(--vscode-textLink-foreground);
    cursor: pointer;
    text-decoration: none;
    background: none;
    border: none;
    padding: 0;
    font: inherit;
  }
  a:hover,
  .link:hover {
    text-decoration: underline;
  }
  .link:focus-visible,
  button:focus-visible,
  select:focus-visible,
  [tabindex]:focus-visible {
    outline: 1px solid var(--vscode-focusBorder);
    outline-offset: 1px;
  }
  .num {
    font-variant-numeric: tabular-nums;
    text-align: right;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    align-items: center;
    margin: 6px 0;
  }
  select {
    background: var(--vscode-dropdown-background);
    color: var(--vscode-dropdown-foreground);
    border: 1px solid var(--vscode-dropdown-border, transparent);
    font: inherit;
    padding: 1px 2px;
  }
  label {
    display: inline-flex;
    gap: 4px;
    align-items: center;
  }
  .thumb {
    width: 36px;
    height: 36px;
    object-fit: contain;
    image-rendering: pixelated;
    background: var(--vscode-editor-background);
    border: 1px solid var(--vscode-widget-border, transparent);
    flex: none;
  }
  .values {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    color: var(--vscode-descriptionForeground);
    min-width: 0;
  }
  .bar {
    display: inline-block;
    height: 6px;
    background: var(--vscode-charts-orange, #d18616);
    vertical-align: middle;
  }
  .pill {
    border-radius: 8px;
    padding: 0 6px;
    font-size: 0.85em;
    border: 1px solid var(--vscode-contrastBorder, transparent);
    background: var(--vscode-badge-background);
    color: var(--vscode-badge-foreground);
    white-space: nowrap;
  }
  .wrong {
    color: var(--vscode-errorForeground);
  }
  h2 {
    font-size: 1.1em;
    margin: 14px 0 6px;
  }
  h3 {
    font-size: 1em;
    margin: 10px 0 4px;
  }
`;

/** The cells of list rows (rendered inside il-sample-list's shadow root, so their styles live here). */
export const rowStyles = css`
  .cell-label {
    font-size: 0.8em;
    color: var(--vscode-descriptionForeground);
  }
  .given-suggested {
    width: 15em;
    flex: none;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .score {
    width: 10em;
    flex: none;
    white-space: nowrap;
  }
  .where-cell {
    flex: none;
    width: 16em;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .state {
    width: 7em;
    flex: none;
  }
  .actions {
    margin-left: auto;
    display: flex;
    gap: 4px;
    flex: none;
  }
  .actions button {
    font: inherit;
    color: var(--vscode-button-secondaryForeground);
    background: var(--vscode-button-secondaryBackground);
    border: 1px solid var(--vscode-button-border, transparent);
    padding: 0 6px;
    cursor: pointer;
  }
  .actions button:hover {
    background: var(--vscode-button-secondaryHoverBackground);
  }
  .likely .where {
    font-weight: 600;
  }
  input[type='checkbox'] {
    accent-color: var(--vscode-checkbox-background);
    margin: 0;
  }
  .pred {
    width: 12em;
    flex: none;
  }
  .loss {
    width: 6em;
    flex: none;
  }
  .tile-top {
    align-self: stretch;
    display: flex;
    justify-content: space-between;
    align-items: center;
    min-height: 16px;
  }
  .tile-image {
    width: 96px;
    height: 96px;
    object-fit: contain;
    image-rendering: pixelated;
    background: var(--vscode-editor-background);
    flex: none;
  }
  .tile-caption {
    max-width: 100%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  /*
       * Beside an editor (a list under ~760 px wide) a row wraps onto a second line instead of scrolling sideways:
       * the file name takes what is left of the first line, the columns flow below it, and the buttons stay in view.
       */
  @container samples (max-width: 760px) {
    .row {
      flex-wrap: wrap;
      row-gap: 0;
      padding: 3px 6px;
    }
    .where-cell {
      width: auto;
      flex: 1 1 8em;
      min-width: 0;
    }
    .given-suggested,
    .pred {
      width: auto;
      flex: 0 1 auto;
      min-width: 0;
    }
    .score,
    .loss,
    .state {
      width: auto;
    }
    .values {
      flex: 1 1 100%;
      order: 5;
    }
    .actions {
      margin-left: auto;
    }
  }
  .explain {
    padding: 0 6px;
    margin-left: auto;
    font: inherit;
    color: var(--vscode-button-secondaryForeground);
    background: var(--vscode-button-secondaryBackground);
    border: 1px solid var(--vscode-button-border, transparent);
    cursor: pointer;
  }
`;

/** A view that fills its tab as a column (a toolbar above a list that takes the rest). */
export const fillColumn = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100%;
    min-height: 0;
  }
`;

/**
 * A list with the detail pane: side by side where the tab is wide enough for
 * both (≥ 820 px), else the pane below the list, each scrolling on its own.
 */
export const splitStyles = css`
  .split-wrap {
    container-type: inline-size;
    container-name: split;
    flex: 1;
    min-height: 0;
    display: flex;
  }
  .split {
    flex: 1;
    min-height: 0;
    min-width: 0;
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  .split il-sample-list {
    flex: 1 1 60%;
    min-height: 120px;
  }
  .split il-detail {
    flex: 1 1 40%;
    min-height: 0;
  }
  @container split (min-width: 820px) {
    .split {
      flex-direction: row;
    }
    .split il-detail {
      flex: 0 0 38%;
      max-width: 520px;
    }
  }
`;
