/**
 * The per-dataset questions: which column is the label (only when no column
 * is named like one), which model (only when the setting says "ask" or the
 * user chose "…choose model and label") and, with the latter, which test set
 * (the file found beside it, a hold-out, or a file the user picks). Answers
 * are remembered per dataset in the workspace state, so the next run asks
 * nothing.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_KINDS } from '../../protocol/compute';
import type { Probe } from './datasetProbe';
import { type DatasetChoices, type ModelSetting, parseDatasetChoices } from './jobOptions';
import type { StateStore } from '../reviews/reviewStore';
import type { TestChoice } from './testSet';
import type { TestPartner } from '../../compute/data/testPartner';

const MODEL_DETAIL: Record<(typeof MODEL_KINDS)[number], string> = {
  auto:
    'The default: logistic regression, the small network or both, whichever ' +
    'predicts held-out labels best (tables and text; images: the network)',
  logreg: 'Logistic regression: convex, fastest; influence is most reliable',
  mlp: 'Small neural network (one hidden layer)',
  cnn: 'Convolutional network: images only, slowest',
};

type ModelItem = vscode.QuickPickItem & { builtIn?: (typeof MODEL_KINDS)[number]; file?: string };

export class ChoiceStore {
  constructor(private readonly state: StateStore) {}

  private key(datasetPath: string): string {
    return `choices:${path.resolve(datasetPath)}`;
  }

  get(datasetPath: string): DatasetChoices {
    return parseDatasetChoices(this.state.get<unknown>(this.key(datasetPath)));
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
  partner?: TestPartner,
  /** The workspace's .onnx files, offered beside the built-in models. */
  modelFiles: string[] = [],
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

  if (forceAsk || (modelSetting === 'ask' && choices.model === undefined && choices.modelFile === undefined)) {
    const kinds = MODEL_KINDS.filter((k) => k !== 'cnn' || probe.kind === 'folder' || probe.kind === 'jsonl');
    const items: ModelItem[] = [
      ...kinds.map((k) => ({ label: k, detail: MODEL_DETAIL[k], builtIn: k })),
      ...modelFiles.map((f) => ({
        label: path.basename(f),
        description: vscode.workspace.asRelativePath(f),
        detail: 'Your ONNX model: influence over its final layer, on its own embedding',
        file: f,
      })),
    ];
    const isCurrent = (i: ModelItem) =>
      i.file !== undefined ? i.file === choices.modelFile : i.builtIn === choices.model;
    items.sort((a, b) => Number(isCurrent(b)) - Number(isCurrent(a)));
    const picked = await vscode.window.showQuickPick(items, {
      title: `Influence Lens: model for ${name}`,
      placeHolder: 'Which model? A built-in one, or your own .onnx (remembered for this dataset)',
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    // A model file and a built-in model exclude each other: the pick replaces whichever was remembered.
    if (picked.file !== undefined) {
      choices.modelFile = picked.file;
      delete choices.model;
    } else {
      choices.model = picked.builtIn;
      delete choices.modelFile;
    }
  }

  if (forceAsk && partner) {
    const test = await askTestSet(datasetPath, probe, partner, choices.test);
    if (test === null) return undefined;
    if (test) choices.test = test;
    else delete choices.test;
  }

  if (JSON.stringify(choices) !== JSON.stringify(remembered)) await store.set(datasetPath, choices);
  return choices;
}

type TestItem = vscode.QuickPickItem & { choice: TestChoice | undefined | 'pick' };

/** The test-set question: undefined = find it automatically, null = dismissed. */
async function askTestSet(
  datasetPath: string,
  probe: Probe,
  partner: TestPartner,
  current: TestChoice | undefined,
): Promise<TestChoice | undefined | null> {
  const name = path.basename(datasetPath);
  const items: TestItem[] = [];
  if (partner.kind === 'file')
    items.push({
      label: path.basename(partner.testPath),
      description: 'found beside it',
      detail: partner.reason,
      choice: undefined,
    });
  else if (partner.kind === 'split-column')
    items.push({
      label: `The '${partner.column}' column`,
      description: 'found in it',
      detail: partner.reason,
      choice: undefined,
    });
  items.push({
    label: `Hold out 20% of ${name}`,
    description: probe.kind === 'folder' ? 'unless it has a test/ folder' : 'stratified by label',
    choice: { kind: 'holdout' },
  });
  if (current?.kind === 'file')
    items.push({
      label: path.basename(current.path),
      description: 'chosen before',
      detail: current.path,
      choice: current,
    });
  items.push({ label: probe.kind === 'folder' ? 'Choose a test folder…' : 'Choose a test file…', choice: 'pick' });
  const isCurrent = (i: TestItem) => JSON.stringify(i.choice) === JSON.stringify(current);
  items.sort((a, b) => Number(isCurrent(b)) - Number(isCurrent(a)));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Influence Lens: test set for ${name}`,
    placeHolder: 'Which samples test the model? (remembered for this dataset)',
    ignoreFocusOut: true,
  });
  if (!picked) return null;
  if (picked.choice !== 'pick') return picked.choice;
  const uris = await vscode.window.showOpenDialog({
    title: `Test set for ${name}`,
    defaultUri: vscode.Uri.file(path.dirname(datasetPath)),
    canSelectFiles: probe.kind !== 'folder',
    canSelectFolders: probe.kind === 'folder',
    canSelectMany: false,
  });
  return uris?.[0] ? { kind: 'file', path: uris[0].fsPath } : null;
}
