/**
 * The per-dataset questions: which column is the label (only when no column
 * is named like one) and which model (only when the setting says "ask" or the
 * user chose "…choose model and label"). Answers are remembered per dataset
 * in the workspace state, so the next run asks nothing.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_KINDS } from '../protocol/compute';
import type { Probe } from './datasetProbe';
import type { DatasetChoices, ModelSetting } from './jobOptions';
import type { StateStore } from './reviewStore';

const MODEL_DETAIL: Record<(typeof MODEL_KINDS)[number], string> = {
  logreg: 'Logistic regression: convex, fastest; influence is most reliable',
  mlp: 'Small neural network (one hidden layer): the default',
  cnn: 'Convolutional network: images only, slowest',
};

export class ChoiceStore {
  constructor(private readonly state: StateStore) {}

  private key(datasetPath: string): string {
    return `choices:${path.resolve(datasetPath)}`;
  }

  get(datasetPath: string): DatasetChoices {
    const raw = this.state.get<unknown>(this.key(datasetPath));
    const out: DatasetChoices = {};
    if (raw && typeof raw === 'object') {
      const r = raw as Record<string, unknown>;
      if (typeof r.labelColumn === 'string') out.labelColumn = r.labelColumn;
      if (MODEL_KINDS.includes(r.model as (typeof MODEL_KINDS)[number])) out.model = r.model as (typeof MODEL_KINDS)[number];
    }
    return out;
  }

  async set(datasetPath: string, choices: DatasetChoices): Promise<void> {
    await this.state.update(this.key(datasetPath), choices);
  }
}

/**
 * The choices for this run: remembered ones, else asked when needed.
 * Undefined when the user dismissed a question (the run is abandoned).
 */
export async function resolveChoices(
  store: ChoiceStore,
  datasetPath: string,
  probe: Probe,
  modelSetting: ModelSetting,
  forceAsk: boolean,
): Promise<DatasetChoices | undefined> {
  const remembered = store.get(datasetPath);
  const choices: DatasetChoices = { ...remembered };
  const name = path.basename(datasetPath);

  const labelKnown = choices.labelColumn !== undefined && probe.columns.includes(choices.labelColumn);
  if (probe.kind !== 'folder' && probe.columns.length > 1 && (forceAsk || (probe.ambiguous && !labelKnown))) {
    const items = probe.columns.map((c) => ({
      label: c,
      description: c === probe.labelGuess ? (probe.ambiguous ? 'last column' : 'detected') : undefined,
    }));
    const current = choices.labelColumn ?? probe.labelGuess;
    items.sort((a, b) => Number(b.label === current) - Number(a.label === current));
    const picked = await vscode.window.showQuickPick(items, {
      title: `Influence Lens: label column of ${name}`,
      placeHolder: 'Which column holds the label? (remembered for this dataset)',
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    choices.labelColumn = picked.label;
  }

  if (forceAsk || (modelSetting === 'ask' && choices.model === undefined)) {
    const kinds = MODEL_KINDS.filter((k) => k !== 'cnn' || probe.kind === 'folder' || probe.kind === 'jsonl');
    const picked = await vscode.window.showQuickPick(
      kinds.map((k) => ({ label: k, detail: MODEL_DETAIL[k] })),
      { title: `Influence Lens: model for ${name}`, placeHolder: 'Which model? (remembered for this dataset)', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    choices.model = picked.label;
  }

  if (choices.labelColumn !== remembered.labelColumn || choices.model !== remembered.model) await store.set(datasetPath, choices);
  return choices;
}
