/**
 * Image folders: `root/<class>/*.png|jpg` (hold-out split), or
 * `root/train/<class>/…` with `root/test/<class>/…` (a `val`, `valid` or
 * `validation` folder serves as the test folder when there is no `test`).
 * Class folders may hold subfolders; their images belong to the class.
 * Hidden files are ignored, other non-image files skipped with a warning, and
 * everything is sorted so the sample order never depends on the file system.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { LoadedDataset, SourceRef } from '../types';
import { planSamples, splitData } from './assemble';
import { commonFolder, isHidden, listSome, relativePosix } from './files';
import { isImageName } from './imageDecode';
import { type ImageFile, type ImageLoadOptions, loadImages } from './imageSet';
import { compareLabels } from './split';

export interface FolderOptions extends ImageLoadOptions {
  testFraction: number;
  seed: number;
  maxSamples?: number;
}

interface Candidate {
  label: string;
  abs: string;
}

const TEST_NAMES = ['test', 'val', 'valid', 'validation'];

async function subfolders(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    if (e.isDirectory() || (e.isSymbolicLink() && (await fsp.stat(path.join(dir, e.name))).isDirectory())) out.push(e.name);
  }
  return out.sort(compareLabels);
}

/** Image files under `dir` (recursively, sorted by path); non-image files go to `skipped`. */
async function imagesUnder(dir: string, skipped: string[]): Promise<string[]> {
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => !isHidden(e.name));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const abs = path.join(dir, e.name);
    // Symlinked folders below a class folder are not followed: a link cycle would never end.
    if (e.isDirectory()) for (const f of await imagesUnder(abs, skipped)) out.push(f);
    else if (isImageName(e.name)) out.push(abs);
    else skipped.push(abs);
  }
  return out;
}

/** One candidate per image in the class folders of `dir`. */
async function classImages(dir: string, skipped: string[], warnings: string[], root: string): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const looseImages = (await fsp.readdir(dir)).filter((name) => !isHidden(name) && isImageName(name));
  if (looseImages.length > 0) {
    warnings.push(
      `Skipped ${looseImages.length} image${looseImages.length === 1 ? '' : 's'} directly in ${relativePosix(root, dir) || '.'}/ ` +
        `(no class folder); expected each image inside a folder named after its class.`,
    );
  }
  for (const label of await subfolders(dir)) {
    const images = await imagesUnder(path.join(dir, label), skipped);
    if (images.length === 0) warnings.push(`Class folder ${relativePosix(root, path.join(dir, label))}/ has no images; ignored.`);
    for (const abs of images) out.push({ label, abs });
  }
  return out;
}

export async function loadImageFolder(
  rootAbs: string,
  rootUser: string,
  testAbs: string | undefined,
  opts: FolderOptions,
  warnings: string[],
): Promise<LoadedDataset> {
  const skipped: string[] = [];
  const top = await subfolders(rootAbs);
  const find = (names: string[]) => top.find((d) => names.includes(d.toLowerCase()));
  const trainName = find(['train', 'training']);
  let trainDir = rootAbs;
  let testDir = testAbs;
  if (trainName && (await subfolders(path.join(rootAbs, trainName))).length > 0) {
    trainDir = path.join(rootAbs, trainName);
    const testName = testAbs ? undefined : find(TEST_NAMES);
    if (testName) testDir = path.join(rootAbs, testName);
    const ignored = top.filter((d) => d !== trainName && d !== testName);
    if (ignored.length > 0) warnings.push(`Folders ${listSome(ignored.map((d) => `${d}/`))} ignored: the data is in ${trainName}/.`);
  }
  const root = testDir ? commonFolder(rootAbs, testDir) : rootAbs;
  const trainSet = await classImages(trainDir, skipped, warnings, root);
  const testSet = testDir ? await classImages(testDir, skipped, warnings, root) : [];
  if (skipped.length > 0) {
    warnings.push(
      `Skipped ${skipped.length} non-image file${skipped.length === 1 ? '' : 's'} ` +
        `(${listSome(skipped.map((f) => relativePosix(root, f)), 3)}); expected .png, .jpg or .jpeg.`,
    );
  }
  const all = [...trainSet, ...testSet];
  if (trainSet.length === 0) {
    throw new InputError(
      rootUser,
      `no images found${all.length ? ' for training' : ''}; expected class folders of .png/.jpg files: ` +
        `<folder>/<class>/*.png, or <folder>/train/<class>/… with <folder>/test/<class>/…`,
    );
  }
  const userPath = (abs: string) => path.join(rootUser, path.relative(rootAbs, abs));
  const sources: SourceRef[] = all.map((c) => ({ path: relativePosix(root, c.abs) }));
  const plan = planSamples(
    {
      labels: all.map((c) => c.label),
      split: testDir ? Uint8Array.from(all, (_, i) => (i < trainSet.length ? 0 : 1)) : null,
      splitSource: testDir ? 'test-folder' : null,
      file: rootUser,
      labelWhat: 'the class folders',
      where: (i) => sources[i].path,
      testFraction: opts.testFraction,
      seed: opts.seed,
      maxSamples: opts.maxSamples,
      refuseContinuous: false,
    },
    warnings,
  );
  const chosen = [...plan.train, ...plan.test];
  const files: ImageFile[] = chosen.map((i) => ({ abs: all[i].abs, file: userPath(all[i].abs) }));
  const { x, shape } = await loadImages(files, opts);
  const dims = shape[0] * shape[1] * shape[2];
  const nTrain = plan.train.length;
  return {
    root,
    format: 'imagefolder',
    labelColumn: '',
    classes: plan.classes,
    dims,
    imageShape: shape,
    testSource: plan.testSource,
    train: splitData(x.slice(0, nTrain * dims), plan.yTrain, plan.train, sources, null),
    test: splitData(x.slice(nTrain * dims), plan.yTest, plan.test, sources, null),
    warnings,
  };
}
