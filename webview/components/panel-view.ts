/**
 * The base of the panel's views: each gets the store and a revision number
 * from il-app, and renders again whenever the revision changes.
 */
import { LitElement } from 'lit';
import type { PanelStore } from '../store';

export class PanelView extends LitElement {
  static override properties = { store: { attribute: false }, rev: { type: Number } };
  declare store: PanelStore;
  declare rev: number;
}
