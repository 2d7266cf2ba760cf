/**
 * Every analysis option, declared once (here, in the protocol: the engine,
 * the CLI and the extension host all read it, and it imports nothing but
 * ./check). Everything else derives from this table (src/compute/options/): the engine's option type (`EngineOptions`,
 * in ./derive.ts), the
 * wire checker of the job options (src/protocol/compute.ts), the CLI flags
 * and their help (src/cli/flags.ts), the extension's settings and their
 * mapping to job options (src/host/analysis/settingsTable.ts), package.json's
 * `contributes.configuration` (written by `npm run settings-schema`, checked
 * by test/unit/options/table.test.ts), and how engine messages name an
 * option on each face (optionRef in src/compute/options/derive.ts).
 *
 * One name per concept: the engine name is the key here; the CLI flag is
 * always its kebab-case (`maxSamples` → `--max-samples`); a setting, when
 * there is one, is `influenceLens.<name>` unless a reason says otherwise.
 *
 * HOW TO ADD AN OPTION (one place):
 *   1. Add an entry below: `rule` (what values are valid — the only check,
 *      used by the CLI, the wire, the settings and the engine), `default`
 *      (undefined when computed; say how in `doc`), `doc` (one line, no
 *      trailing period; the CLI help and the setting's description), `stage`
 *      (what a change invalidates: `fit` retrains, `score` rescores the saved
 *      fit, `verify` reruns the reliability check, `run` changes no result),
 *      `cli` (the value's placeholder and how the text parses) and, for the
 *      extension, `setting`.
 *   2. Read it in the engine as `options.<name> ?? DEFAULTS.<name>`.
 *   3. With a setting: run `npm run settings-schema` to update package.json.
 *   4. Add a row to test/README.md for what the user sees.
 * Engine messages never spell a flag or a setting: they say `optionRef(name)`
 * ("the maxSamples option"), which the CLI shows as `--max-samples` and the
 * extension as `the influenceLens.maxSamples setting`.
 */
import { type Checked, optional, type Optional, rule, type Rule } from './check';

/**
 * 'auto': tables and text pick logistic regression, the MLP or their average by cross-fitted log-loss; images the MLP.
 */
export const MODEL_KINDS = ['auto', 'logreg', 'mlp', 'cnn'] as const;
/** The models that are trained (`auto` chooses among them). */
export const TRAINED_MODEL_KINDS = ['logreg', 'mlp', 'cnn'] as const;
export const METHODS = ['auto', 'exact', 'cg', 'lissa', 'tracin', 'gif'] as const;

/** What changing an option invalidates (fitKeyOptions in src/host/analysis/jobOptions.ts reads this). */
export type OptionStage = 'fit' | 'score' | 'verify' | 'run';

/** How the CLI reads the flag's text before the rule checks it. */
export type CliValue =
  | { arg: string; parse: 'int' | 'number' | 'string' | 'list' }
  /** A flag without a value: present = true. */
  | { arg: null; parse: 'flag' };

export interface SettingFace {
  /** The key after `influenceLens.`; default the option's name. Differs only with a reason in `why`. */
  key?: string;
  why?: string;
  /** The setting value meaning "the engine's default" (the option is then not sent). */
  unset?: 0 | null | 'ask' | '';
  /** The setting's default when it is not the option's (e.g. how many removals a requested check makes). */
  default?: number | string | null;
  /** A key users may have set under an older name: read when the current key is not set. */
  formerKey?: string;
  /**
   * The setting is a whole number of the option's unit, rounded before it is sent (the option itself takes any number).
   */
  round?: boolean;
  /** Sent only when the user asked for a reliability check. */
  onlyWhenVerifying?: boolean;
  /** The setting's own one-line doc, when its concept differs from the option's (see `why`). */
  doc?: string;
  /** The settings UI's extra words after the doc (e.g. what `0` means). */
  note?: string;
  /** JSON-schema bounds shown by the settings UI; the rule is still the check. */
  minimum?: number;
  maximum?: number;
  /** Extra enum values the setting accepts (model: `ask`), with descriptions for every enum value. */
  extraValues?: readonly string[];
  enumDescriptions?: readonly string[];
}

export interface OptionSpec<T> {
  rule: Rule<T>;
  /** NoInfer: the rule alone gives the option its type (a default 'mlp' must not widen it to string). */
  default: NoInfer<T> | undefined;
  /** When the default is computed (default undefined): what it is, in words ("the model's", "one per core"). */
  defaultIs?: string;
  doc: string;
  stage: OptionStage;
  cli: CliValue;
  /** Older flag spellings still accepted (hidden from --help). */
  formerFlags?: readonly string[];
  setting?: SettingFace;
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const positiveInt = rule('a positive whole number', (v): v is number => isInt(v) && v >= 1);
const nonNegativeInt = rule('a whole number ≥ 0', (v): v is number => isInt(v) && v >= 0);
/** The seed feeds a 32-bit generator: a larger one would repeat a smaller one's run, silently. */
const seedInt = rule('a whole number from 0 to 4294967295', (v): v is number => isInt(v) && v >= 0 && v <= 0xffffffff);
/** A non-empty string: a path, a tensor or column name. */
const pathText = rule('a non-empty text', (v): v is string => typeof v === 'string' && v.trim() !== '');
const nonNegative = rule('a number ≥ 0', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0);

/** A rule over named values; `values` gives the settings UI its enum. */
function oneOf<const T extends readonly string[]>(values: T): Rule<T[number]> & { values: T } {
  return Object.assign(
    rule(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, (v): v is T[number] =>
      values.includes(v as T[number]),
    ),
    { values },
  );
}

/** Declares one option (keeps each entry's value type). */
function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

export const OPTIONS = {
  model: option({
    rule: oneOf(MODEL_KINDS),
    default: 'auto',
    doc:
      'The classifier trained on the dataset: auto (tables and text: logreg, ' +
      'mlp or their average, the lowest cross-fitted log-loss among the most ' +
      'accurate held out; images: mlp), ' +
      'logreg, mlp or cnn (image folders only)',
    stage: 'fit',
    cli: { arg: '<kind>', parse: 'string' },
    setting: {
      unset: 'ask',
      extraValues: ['ask'],
      enumDescriptions: [
        'Tables and text: logistic regression, the small network or their ' +
          'average, whichever has the lowest cross-fitted log-loss among the ' +
          'most accurate held out (the panel ' +
          'says which and why); images: the small network.',
        'Logistic regression: convex, fastest, most reliable influence.',
        'Small neural network (one hidden layer).',
        'Convolutional network (image folders only; slowest).',
        'Ask once per dataset (remembered).',
      ],
    },
  }),
  method: option({
    rule: oneOf(METHODS),
    default: 'auto',
    doc:
      'Influence estimator: auto (exact over the last layer when affordable, ' +
      'else cg), exact, cg, lissa, tracin or gif',
    stage: 'score',
    cli: { arg: '<method>', parse: 'string' },
    setting: {},
  }),
  folds: option({
    rule: rule(
      'a whole number of at least 2 (cross-fitting needs a fold to hold out: ' +
        "each fold's model is trained without that fold's samples)",
      (v): v is number => isInt(v) && v >= 2,
    ),
    default: 5,
    doc: 'Cross-fitting folds for out-of-sample label probabilities, at least 2',
    stage: 'fit',
    cli: { arg: '<k>', parse: 'int' },
    setting: { minimum: 2, maximum: 20 },
  }),
  topK: option({
    rule: positiveInt,
    default: 10,
    doc: 'Proponents and opponents kept per test sample',
    stage: 'score',
    cli: { arg: '<n>', parse: 'int' },
    setting: { minimum: 1, maximum: 100 },
  }),
  seed: option({
    rule: seedInt,
    default: 0,
    doc: 'Random seed (split, initialisation, batches, folds): the same seed reproduces a run',
    stage: 'fit',
    cli: { arg: '<s>', parse: 'int' },
    setting: { minimum: 0, maximum: 4294967295 },
  }),
  maxSamples: option({
    rule: positiveInt,
    default: undefined,
    doc: 'Analyze at most this many samples (a stratified subsample)',
    stage: 'fit',
    cli: { arg: '<n>', parse: 'int' },
    setting: { unset: 0, note: '`0` = all.', minimum: 0 },
  }),
  weightDecay: option({
    rule: nonNegative,
    default: undefined,
    doc: 'Mean-loss L2 weight decay',
    defaultIs: "the model's",
    stage: 'fit',
    cli: { arg: '<wd>', parse: 'number' },
    setting: { unset: null, note: "`null` = the model's default.", minimum: 0 },
  }),
  subsetFraction: option({
    rule: rule('a number above 0 and at most 1', (v): v is number => typeof v === 'number' && v > 0 && v <= 1),
    default: 0.1,
    doc: 'gif: the fraction of neurons whose parameters form the updated subset',
    stage: 'score',
    cli: { arg: '<f>', parse: 'number' },
    // Was influenceLens.targetParameterFraction (until 0.x): still read when the new key is not set.
    setting: { formerKey: 'targetParameterFraction', minimum: 0.001, maximum: 1 },
  }),
  epochs: option({
    rule: positiveInt,
    default: undefined,
    doc: 'Training epochs',
    defaultIs: "the model's",
    stage: 'fit',
    cli: { arg: '<n>', parse: 'int' },
    setting: { unset: null, note: "`null` = the model's default.", minimum: 1 },
  }),
  verify: option({
    rule: positiveInt,
    default: undefined,
    defaultIs: 'no check',
    doc:
      'Reliability check: remove this many training samples one at a time, ' +
      'retrain, and compare with the predictions',
    stage: 'verify',
    cli: { arg: '<k>', parse: 'int' },
    setting: {
      key: 'reliabilitySamples',
      why:
        'the extension runs the check on request ("Run reliability check"); the ' +
        'setting says how many removals it makes then',
      default: 10,
      doc: 'Reliability check: training samples removed one at a time and retrained',
      onlyWhenVerifying: true,
      minimum: 1,
      maximum: 200,
    },
  }),
  maxMemoryMB: option({
    rule: rule('a positive number of MB', (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0),
    default: undefined,
    doc:
      'The most memory the analysis may take, MB: a run estimated to need ' +
      'more is refused before training, naming what would fit',
    defaultIs: '75% of the free memory',
    stage: 'run',
    cli: { arg: '<mb>', parse: 'number' },
    setting: {
      unset: 0,
      round: true,
      note:
        "`0` = Node's default heap and 75% of the free memory for the estimate. " +
        "It is also the analysis process's heap limit: " +
        'a run past it anyway stops with an "out of memory" message.',
      minimum: 0,
    },
  }),
  target: option({
    rule: oneOf(['last-layer', 'full'] as const),
    default: undefined,
    doc: 'cg/lissa: influence over the last layer or the full network',
    defaultIs: 'full when the model has hidden layers',
    stage: 'score',
    cli: { arg: '<target>', parse: 'string' },
  }),
  explain: option({
    rule: positiveInt,
    default: 50,
    doc: 'cg/lissa/gif: test samples to explain, one solve each',
    stage: 'score',
    cli: { arg: '<n>', parse: 'int' },
  }),
  solverSeconds: option({
    rule: rule(
      'a positive number of seconds',
      (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0,
    ),
    default: 300,
    doc:
      'cg/lissa/gif: the most seconds their solves may take; past it they stop, ' +
      'and the results say, per explained test sample, the residual reached',
    stage: 'score',
    cli: { arg: '<s>', parse: 'number' },
    setting: { minimum: 1 },
  }),
  explainIds: option({
    rule: rule(
      'comma-separated test sample ids like 7 or 120,455 (whole numbers ≥ 0, at most 1000)',
      (v): v is number[] => Array.isArray(v) && v.length >= 1 && v.length <= 1000 && v.every((t) => isInt(t) && t >= 0),
    ),
    default: undefined,
    doc: "cg/lissa/gif: test samples to explain besides the first ones, by id (the results' test sample ids)",
    defaultIs: 'none',
    stage: 'score',
    cli: { arg: '<ids>', parse: 'list' },
  }),
  verifyTestPoints: option({
    rule: positiveInt,
    default: 3,
    doc: 'Reliability check: test samples whose loss change is measured',
    stage: 'verify',
    cli: { arg: '<n>', parse: 'int' },
    formerFlags: ['--verify-tests'],
  }),
  converge: option({
    rule: rule('true or false', (v): v is boolean => typeof v === 'boolean'),
    default: false,
    doc: 'Converge the whole network with full-batch L-BFGS after training (slow; for full-network influence)',
    stage: 'fit',
    cli: { arg: null, parse: 'flag' },
  }),
  hidden: option({
    rule: rule(
      'comma-separated layer widths like 128 or 256,64 (at most 16 layers)',
      (v): v is number[] => Array.isArray(v) && v.length >= 1 && v.length <= 16 && v.every((w) => isInt(w) && w >= 1),
    ),
    default: undefined,
    doc: 'Hidden layer widths, e.g. 128 or 256,64',
    defaultIs: "the model's",
    stage: 'fit',
    cli: { arg: '<widths>', parse: 'list' },
  }),
  workers: option({
    rule: positiveInt,
    default: undefined,
    doc: 'Worker threads for training',
    defaultIs: 'one per core; none when the models would train within about a second',
    stage: 'run',
    cli: { arg: '<n>', parse: 'int' },
  }),
  backend: option({
    rule: oneOf(['tensorflow', 'wasm', 'cpu'] as const),
    default: undefined,
    doc: 'Tensor backend: tensorflow, wasm or cpu',
    defaultIs: 'the fastest that loads',
    stage: 'fit',
    cli: { arg: '<name>', parse: 'string' },
  }),
  maxExactParameters: option({
    rule: positiveInt,
    default: undefined,
    defaultIs:
      'predicted from the data: exact while its predicted time (≤ 300 s) and ' +
      'memory (≤ half the limit) allow (src/compute/head/exactCost.ts)',
    doc: 'Largest last layer (parameters) the exact method factors',
    stage: 'fit',
    cli: { arg: '<n>', parse: 'int' },
    formerFlags: ['--max-exact-params'],
  }),
  // Issue 15: the user's own model or embeddings instead of a model trained here
  // (src/compute/pipeline/featureSource.ts).
  modelFile: option({
    rule: pathText,
    default: undefined,
    doc:
      'Your own ONNX classifier: influence over its final layer on its own ' +
      'embedding, instead of a model trained here',
    stage: 'fit',
    cli: { arg: '<model.onnx>', parse: 'string' },
    setting: {
      unset: '',
      default: '',
      note:
        'Absolute, or relative to the workspace folder; image preprocessing is ' +
        'read from `<model>.preprocess.json` beside it. Right-click a `.onnx` ' +
        'file → *Use as the model for influence* sets it; empty = the built-in ' +
        'models.',
    },
  }),
  embeddingOutput: option({
    rule: pathText,
    default: undefined,
    doc: 'With a model file: the tensor to use as the embedding',
    defaultIs: 'the input of the final Gemm/MatMul',
    stage: 'fit',
    cli: { arg: '<name>', parse: 'string' },
  }),
  preprocessFile: option({
    rule: pathText,
    default: undefined,
    doc: 'With a model file: the preprocessing JSON (image size, layout, scale, mean/std; table columns)',
    defaultIs: '<model>.preprocess.json beside it',
    stage: 'fit',
    cli: { arg: '<json>', parse: 'string' },
    formerFlags: ['--preprocess'],
  }),
  embeddingColumns: option({
    rule: pathText,
    default: undefined,
    doc: 'Your embedding columns of a CSV/TSV dataset, a prefix like emb_* or a list like e0,e1,e2',
    stage: 'fit',
    cli: { arg: '<cols>', parse: 'string' },
  }),
  embeddingField: option({
    rule: pathText,
    default: undefined,
    doc: "The field holding each JSONL record's embedding (an array of numbers)",
    stage: 'fit',
    cli: { arg: '<name>', parse: 'string' },
  }),
  embeddingsFile: option({
    rule: pathText,
    default: undefined,
    doc: 'Your embeddings as a side file (.npy float32/float64 or CSV), one row per data row of the dataset',
    stage: 'fit',
    cli: { arg: '<file>', parse: 'string' },
  }),
  testEmbeddingsFile: option({
    rule: pathText,
    default: undefined,
    doc: 'The same for the separate test file',
    stage: 'fit',
    cli: { arg: '<file>', parse: 'string' },
  }),
  probabilitiesFile: option({
    rule: pathText,
    default: undefined,
    doc: 'Your own out-of-sample probabilities (.npy or CSV, one column per class), used instead of cross-fitting',
    stage: 'fit',
    cli: { arg: '<file>', parse: 'string' },
  }),
  // Data issues beyond labels (issue 17): the pass runs by default; the panel's check sends removeHarmful.
  skipIssues: option({
    rule: rule('true or false', (v): v is boolean => typeof v === 'boolean'),
    default: false,
    doc:
      'Skip the data-issue pass (duplicates and train/test leakage, outliers, ' +
      'harmful training samples, class health)',
    stage: 'score',
    cli: { arg: null, parse: 'flag' },
  }),
  removeHarmful: option({
    rule: nonNegativeInt,
    default: undefined,
    defaultIs: '1% of the training set',
    doc:
      'Refit the last layer without this many of the most harmful training ' +
      'samples and report test loss and accuracy, predicted and actual (0 ' +
      'skips it)',
    stage: 'score',
    cli: { arg: '<k>', parse: 'int' },
  }),
} as const;

export type OptionName = keyof typeof OPTIONS;
export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

/**
 * The wire shape of the options (every one optional, checked by its rule): checkJobOptions (./compute.ts) is built from
 * it.
 */
export const OPTION_SHAPE = Object.fromEntries(
  OPTION_NAMES.map((name) => [name, optional<unknown>(OPTIONS[name].rule)]),
) as unknown as {
  [K in OptionName]: Optional<Checked<(typeof OPTIONS)[K]['rule']>>;
};
