/**
 * Saves a Fitted beside the results and loads it back for a run that changes
 * only the score options. The file is valid for one engine version, one set
 * of fit settings and one dataset content (a hash of the loaded arrays): any
 * mismatch, or a damaged file, means "fit again", never a crash and never a
 * fit of other data.
 */
import { createHash } from 'node:crypto';
import { readRegularFile } from '../regularFile';
import { type FactorInfo, fastDampedCholesky } from '../linalg/fastFactor';
import { headContrastHessian, headParameterCount } from '../head/softmaxHead';
import { contrastParameterCount } from '../head/classContrasts';
import { selectFeatures, subsetShape, trainedFeatures } from '../head/featureSubset';
import type { Checkpoint, NamedArray, TrainedNetwork } from '../models/types';
import { writeFileAtomic } from '../results/writeAtomic';
import { checkFeatureSource } from '../../protocol/results';
import type { FeatureSource } from '../results/schema';
import type { LoadedDataset } from '../types';
import { ENGINE_VERSION } from '../version';
import { decodeFitFile, encodeFitFile, FitFileError } from './fitFile';
import type { Fitted, FitSettings } from './fit';

/**
 * Bump when the saved layout or the meaning of a saved array changes. 2: the saved factor is H′'s, in class-contrast
 * coordinates (D·(C − 1) square, head/headFactor.ts), where format 1 saved the D·C one. 3: the factor covers only
 * the features some training row uses (D′·(C − 1), head/featureSubset.ts). A file of another format is refused (and
 * the fit computed again), never read as this one.
 */
export const FIT_FILE_VERSION = 3;

/**
 * Larger factors are not saved (a 4000-parameter head's is 128 MB): they are recomputed from the saved features on
 * load.
 */
export const MAX_SAVED_FACTOR_BYTES = 64 * 2 ** 20;

/** Hash of what the fit is computed from: the loaded features, labels and classes of both splits. */
export function dataFingerprint(data: LoadedDataset): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      classes: data.classes,
      dims: data.dims,
      imageShape: data.imageShape ?? null,
      nTrain: data.train.y.length,
      nTest: data.test.y.length,
    }),
  );
  for (const a of [data.train.x, data.train.y, data.test.x, data.test.y])
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

interface NetMeta {
  config: TrainedNetwork['config'];
  dims: number;
  numClasses: number;
  imageShape: [number, number, number] | null;
  featureDim: number;
  body: { name: string; shape: number[] }[];
  checkpoints: { epoch: number; learningRate: number; body: { name: string; shape: number[] }[] }[] | null;
}

interface FitHeader {
  version: number;
  id: string;
  engine: string;
  settings: FitSettings;
  data: string;
  net: NetMeta;
  l2: number;
  headDamping: number;
  headGradientNorm: number;
  workers: number;
  nTrain: number;
  nTest: number;
  factorSaved: boolean;
  /** --model auto's choice (absent when the model was given). */
  choice?: Fitted['choice'];
  /** How the saved factor was computed (absent in files from before mixed precision: float64). */
  factorInfo?: FactorInfo;
  /** The user's model or embeddings the features came from (absent for a model trained here). */
  source?: FeatureSource;
}

export function encodeFitted(fitted: Fitted, fingerprint: string): Buffer {
  const arrays = new Map<string, Float32Array | Float64Array | Int32Array>();
  const shapes = (list: NamedArray[], prefix: string) =>
    list.map((w, i) => {
      arrays.set(`${prefix}${i}`, w.data);
      return { name: w.name, shape: w.shape };
    });
  const net = fitted.net;
  const meta: NetMeta = {
    config: net.config,
    dims: net.dims,
    numClasses: net.numClasses,
    imageShape: net.imageShape ?? null,
    featureDim: net.featureDim,
    body: shapes(net.body, 'body.'),
    checkpoints: null,
  };
  arrays.set('head', net.head);
  if (net.checkpoints) {
    meta.checkpoints = net.checkpoints.map((c, k) => {
      arrays.set(`checkpoint.${k}.head`, c.head);
      return { epoch: c.epoch, learningRate: c.learningRate, body: shapes(c.body, `checkpoint.${k}.body.`) };
    });
  }
  arrays.set('train.phi', fitted.train.phi);
  arrays.set('test.phi', fitted.test.phi);
  arrays.set('trainProbs', fitted.trainProbs);
  arrays.set('testProbs', fitted.testProbs);
  arrays.set('oosProbs', fitted.oosProbs);
  const factorSaved = fitted.factor !== undefined && fitted.factor.lower.byteLength <= MAX_SAVED_FACTOR_BYTES;
  if (factorSaved && fitted.factor) arrays.set('factor', fitted.factor.lower);
  const header: FitHeader = {
    version: FIT_FILE_VERSION,
    id: fitted.id,
    engine: ENGINE_VERSION,
    settings: fitted.settings,
    data: fingerprint,
    net: meta,
    l2: fitted.l2,
    headDamping: fitted.headDamping,
    headGradientNorm: fitted.headGradientNorm,
    workers: fitted.workers,
    nTrain: fitted.train.n,
    nTest: fitted.test.n,
    factorSaved,
    ...(fitted.choice ? { choice: fitted.choice } : {}),
    ...(factorSaved && fitted.factorInfo ? { factorInfo: fitted.factorInfo } : {}),
    ...(fitted.source ? { source: fitted.source } : {}),
  };
  return encodeFitFile(header, arrays);
}

function checkedFactorInfo(info: unknown): FactorInfo | undefined {
  if (info === undefined) return undefined;
  const i = info as Partial<FactorInfo>;
  if (
    (i.precision !== 'float64' && i.precision !== 'mixed') ||
    typeof i.deviation !== 'number' ||
    !Number.isFinite(i.deviation)
  ) {
    throw new FitFileError('the saved factor description is damaged');
  }
  return { precision: i.precision, deviation: i.deviation };
}

function expectArray<T extends Float32Array | Float64Array>(
  arrays: Map<string, unknown>,
  name: string,
  type: new (n: number) => T,
  length: number,
): T {
  const a = arrays.get(name);
  if (!(a instanceof type) || a.length !== length)
    throw new FitFileError(`array ${name} is missing or has the wrong size`);
  return a as T;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The Fitted in a saved file, checked against the run's settings and data; throws FitFileError saying why it does not
 * fit.
 */
export function decodeFitted(buf: Buffer, settings: FitSettings, fingerprint: string, data: LoadedDataset): Fitted {
  const { header: raw, arrays } = decodeFitFile(buf);
  const header = raw as unknown as FitHeader;
  if (header.version !== FIT_FILE_VERSION)
    throw new FitFileError(
      `saved by fit format ${String(header.version)}, this engine reads ${FIT_FILE_VERSION} (its factor is kept in ` +
        'other coordinates): the fit is computed again',
    );
  if (header.engine !== ENGINE_VERSION)
    throw new FitFileError(`saved by engine ${String(header.engine)}, this is ${ENGINE_VERSION}`);
  if (JSON.stringify(header.settings) !== JSON.stringify(settings))
    throw new FitFileError('saved with other fit options');
  if (header.data !== fingerprint) throw new FitFileError('saved for other data (the dataset changed)');
  const nTrain = data.train.y.length;
  const nTest = data.test.y.length;
  const c = data.classes.length;
  const m = header.net;
  if (header.nTrain !== nTrain || header.nTest !== nTest || m.numClasses !== c)
    throw new FitFileError('sizes differ from the data');
  const f32 = (name: string, shape: number[]) => expectArray(arrays, name, Float32Array, product(shape));
  const restore = (list: { name: string; shape: number[] }[], prefix: string): NamedArray[] =>
    list.map((w, i) => ({ name: w.name, shape: w.shape, data: f32(`${prefix}${i}`, w.shape) }));
  const shape = { featureDim: m.featureDim, numClasses: c };
  const p = headParameterCount(shape);
  const checkpoints: Checkpoint[] | undefined = m.checkpoints?.map((k, i) => ({
    epoch: k.epoch,
    learningRate: k.learningRate,
    body: restore(k.body, `checkpoint.${i}.body.`),
    head: expectArray(arrays, `checkpoint.${i}.head`, Float64Array, p),
  }));
  const net: TrainedNetwork = {
    config: m.config,
    dims: m.dims,
    numClasses: c,
    ...(m.imageShape ? { imageShape: m.imageShape } : {}),
    body: restore(m.body, 'body.'),
    featureDim: m.featureDim,
    head: expectArray(arrays, 'head', Float64Array, p),
    ...(checkpoints ? { checkpoints } : {}),
  };
  const train = {
    phi: expectArray(arrays, 'train.phi', Float32Array, nTrain * m.featureDim),
    y: data.train.y,
    n: nTrain,
  };
  const test = { phi: expectArray(arrays, 'test.phi', Float32Array, nTest * m.featureDim), y: data.test.y, n: nTest };
  const trainProbs = expectArray(arrays, 'trainProbs', Float64Array, nTrain * c);
  // The factor is H′'s (head/headFactor.ts), of P′ = D′·(C − 1) over the features training uses (featureSubset.ts:
  // found again from the saved features, as the fit found them).
  const features = trainedFeatures(train, shape.featureDim);
  const coveredShape = features ? subsetShape(shape, features) : shape;
  const pc = contrastParameterCount(coveredShape);
  let lower: Float64Array | undefined;
  let headDamping = header.headDamping;
  let factorInfo: FactorInfo | undefined;
  if (header.factorSaved) {
    lower = expectArray(arrays, 'factor', Float64Array, pc * pc);
    factorInfo = checkedFactorInfo(header.factorInfo);
  } else if (p <= settings.maxExactParameters) {
    // Too large to save: factor the Hessian at the saved optimum again (seconds, not a retraining).
    const covered = features ? selectFeatures(train, shape.featureDim, features) : train;
    const refactored = fastDampedCholesky(headContrastHessian(covered, coveredShape, trainProbs, header.l2), pc, 0);
    ({ factor: lower, damping: headDamping } = refactored);
    factorInfo = { precision: refactored.precision, deviation: refactored.deviation };
  }
  const factor = lower && {
    lower,
    size: pc,
    shape,
    ...(features && { features }),
    classSumCurvature: header.l2 + headDamping,
  };
  if (typeof header.id !== 'string') throw new FitFileError('the fit has no id');
  const source = checkedSource(header.source);
  return {
    id: header.id,
    settings,
    net,
    shape,
    l2: header.l2,
    train,
    test,
    trainProbs,
    testProbs: expectArray(arrays, 'testProbs', Float64Array, nTest * c),
    factor,
    ...(factorInfo ? { factorInfo } : {}),
    headDamping,
    headGradientNorm: header.headGradientNorm,
    oosProbs: expectArray(arrays, 'oosProbs', Float64Array, nTrain * c),
    workers: header.workers,
    ...(header.choice ? { choice: header.choice } : {}),
    ...(source ? { source } : {}),
  };
}

function checkedSource(source: unknown): FeatureSource | undefined {
  if (source === undefined) return undefined;
  try {
    return checkFeatureSource(source, 'source');
  } catch (error) {
    throw new FitFileError(`the saved feature source is damaged (${(error as Error).message})`);
  }
}

/** The saved fit at `file`, or why it cannot be used (missing, damaged, other options or data). */
export async function loadFit(
  file: string,
  settings: FitSettings,
  fingerprint: string,
  data: LoadedDataset,
): Promise<{ fitted: Fitted } | { reason: string }> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason:
        code === 'ENOENT' ? 'no saved fit' : `the saved fit could not be read (${code ?? (error as Error).message})`,
    };
  }
  try {
    return { fitted: decodeFitted(buf, settings, fingerprint, data) };
  } catch (error) {
    if (
      error instanceof FitFileError ||
      error instanceof SyntaxError ||
      error instanceof RangeError ||
      error instanceof TypeError
    ) {
      return { reason: `the saved fit is not usable: ${error.message}` };
    }
    throw error;
  }
}

export async function saveFit(file: string, fitted: Fitted, fingerprint: string): Promise<void> {
  await writeFileAtomic(file, encodeFitted(fitted, fingerprint));
}
