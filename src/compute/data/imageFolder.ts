/**
 * Image folders: `root/<class>/*.png|jpg` (hold-out split), or
 * `root/train/<class>/…` with `root/test/<class>/…` (a `val`, `valid` or
 * `validation` folder serves as the test folder when there is no `test`).
 * Class folders may hold subfolders; their images belong to the class.
 * Hidden files are ignored, other non-image files skipped with a warning, and
 * everything is sorted so the sample order never depends on the file system.
 * Links are followed only inside the dataset, and no file is read twice
 * (imageWalk.ts).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import type { LoadedDataset, SourceRef } from '../types';
import { planSamples, splitData } from './assemble';
import { commonFolder, isHidden, listSome, relativePosix } from './files';
import { isImageName } from './imageDecode';
import { type ImageFile, type ImageLoadOptions, imageFeatureBound, loadImageRuns } from './imageSet';
import type { SampleBudget } from './sampleBudget';
import { type FoundImage, ImageWalker, isWithin, type WalkReport } from './imageWalk';
import { DecodeHelper } from './parallelDecode';
import { joinerUnder } from './pathsBelow';

export interface FolderOptions extends ImageLoadOptions {
  testFraction: number;
  seed: number;
  maxSamples?: number;
  /** The default working budget (sampleBudget.ts); absent when the user chose maxSamples or maxMemoryMB. */
  budget?: SampleBudget;
}

interface Candidate {
  label: string;
  abs: string;
}

const TEST_NAMES = ['test', 'val', 'valid', 'validation'];

/** Class-folder candidates of `dir`: every image found under each class folder, before duplicates are dropped. */
async function classImages(
  walker: ImageWalker,
  dir: string,
  warnings: string[],
  root: string,
): Promise<(Candidate & FoundImage)[]> {
  const out: (Candidate & FoundImage)[] = [];
  const looseImages = (await fsp.readdir(dir)).filter((name) => !isHidden(name) && isImageName(name));
  if (looseImages.length > 0) {
    warnings.push(
      `Skipped ${looseImages.length} ` +
        `image${looseImages.length === 1 ? '' : 's'} directly in ` +
        `${relativePosix(root, dir) || '.'}/ ` +
        `(no class folder); expected each image inside a folder named after its class.`,
    );
  }
  for (const label of await walker.subfolders(dir)) {
    const images = await walker.images(path.join(dir, label));
    if (images.length === 0)
      warnings.push(`Class folder ${relativePosix(root, path.join(dir, label))}/ has no images; ignored.`);
    for (const image of images) out.push({ label, ...image });
  }
  return out;
}

/** One warning per kind of thing the walk left out, each with a count and the first few paths. */
function walkWarnings(report: WalkReport, root: string, warnings: string[]): void {
  const some = (files: Set<string>) =>
    listSome(
      [...files].map((f) => relativePosix(root, f)),
      3,
    );
  const count = (files: Set<string>, one: string, many: string) => `${files.size} ${files.size === 1 ? one : many}`;
  if (report.outside.size > 0) {
    warnings.push(
      `Skipped ${count(report.outside, 'link', 'links')} that lead outside ` +
        `the dataset folder (${some(report.outside)}); links are followed only ` +
        `inside it.`,
    );
  }
  if (report.loops.size > 0) {
    warnings.push(
      `Skipped ${count(report.loops, 'link', 'links')} to a folder already ` +
        `walked (a loop or a repeated link: ${some(report.loops)}).`,
    );
  }
  if (report.broken.size > 0)
    warnings.push(`Skipped ${count(report.broken, 'broken link', 'broken links')} (${some(report.broken)}).`);
  if (report.repeated.size > 0) {
    warnings.push(
      `Skipped ${count(report.repeated, 'image', 'images')} reached a second ` +
        `time through a link (${some(report.repeated)}); each file is read once.`,
    );
  }
  if (report.skipped.size > 0) {
    warnings.push(
      `Skipped ${count(report.skipped, 'non-image file', 'non-image files')} ` +
        `(${some(report.skipped)}); expected .png, .jpg or .jpeg.`,
    );
  }
}

/**
 * A separate test folder must lie apart from the training images: inside the training folder its images would be
 * read as one more class of training images (each file is read once, so they would be tested on while trained on),
 * and around it the training images would be read as test classes.
 */
async function refuseNestedTest(trainDir: string, testAbs: string): Promise<void> {
  const [train, test] = await Promise.all([fsp.realpath(trainDir), fsp.realpath(testAbs)]);
  if (isWithin(train, test) || isWithin(test, train)) {
    throw new InputError(
      testAbs,
      `${isWithin(train, test) ? 'lies inside' : 'holds'} the training folder ${train}; expected a test folder apart ` +
        'from the training images (e.g. <folder>/train/<class>/… beside <folder>/test/<class>/…)',
    );
  }
}

export async function loadImageFolder(
  rootAbs: string,
  rootUser: string,
  testAbs: string | undefined,
  opts: FolderOptions,
  warnings: string[],
): Promise<LoadedDataset> {
  const walker = await ImageWalker.within(testAbs ? [rootAbs, testAbs] : [rootAbs]);
  const top = await walker.subfolders(rootAbs);
  const find = (names: string[]) => top.find((d) => names.includes(d.toLowerCase()));
  const trainName = find(['train', 'training']);
  let trainDir = rootAbs;
  let testDir = testAbs;
  if (trainName && (await walker.subfolders(path.join(rootAbs, trainName))).length > 0) {
    trainDir = path.join(rootAbs, trainName);
    const testName = testAbs ? undefined : find(TEST_NAMES);
    if (testName) testDir = path.join(rootAbs, testName);
    const ignored = top.filter((d) => d !== trainName && d !== testName);
    if (ignored.length > 0)
      warnings.push(`Folders ${listSome(ignored.map((d) => `${d}/`))} ignored: the data is in ${trainName}/.`);
  }
  if (testAbs) await refuseNestedTest(trainDir, testAbs);
  const root = testDir ? commonFolder(rootAbs, testDir) : rootAbs;
  const trainFound = await classImages(walker, trainDir, warnings, root);
  const testFound = testDir ? await classImages(walker, testDir, warnings, root) : [];
  const kept = walker.keepOnce([...trainFound, ...testFound]);
  walkWarnings(walker.report, root, warnings);
  const trainSet = trainFound.filter((c) => kept.has(c.abs));
  const testSet = testFound.filter((c) => kept.has(c.abs));
  const all = [...trainSet, ...testSet];
  if (trainSet.length === 0) {
    throw new InputError(
      rootUser,
      `no images found${all.length ? ' for training' : ''}; expected class folders of .png/.jpg files: ` +
        `<folder>/<class>/*.png, or <folder>/train/<class>/… with <folder>/test/<class>/…`,
    );
  }
  // Started now, so that it is up when the decode pass begins: its start (~0.15 s) overlaps the shape probe and the
  // sampling plan, not the first images' decoding.
  const helper = opts.features ? undefined : DecodeHelper.start(all.length);
  try {
    const underUser = joinerUnder(rootUser);
    const userPath = (abs: string) => underUser(relativePosix(rootAbs, abs));
    const sources: SourceRef[] = all.map((c) => ({ path: relativePosix(root, c.abs) }));
    const bound =
      opts.budget && all.length > 0
        ? await imageFeatureBound(
            all.map((c) => ({ abs: c.abs, file: userPath(c.abs) })),
            opts,
          )
        : undefined;
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
        ...(bound && { budget: { budget: opts.budget!, ...bound } }),
      },
      warnings,
    );
    const chosen = [...plan.train, ...plan.test];
    const files: ImageFile[] = chosen.map((i) => ({ abs: all[i].abs, file: userPath(all[i].abs) }));
    const nTrain = plan.train.length;
    const {
      runs: [xTrain, xTest],
      shape,
      contentHash,
    } = await loadImageRuns(files, opts, [nTrain, files.length - nTrain], helper);
    const dims = shape[0] * shape[1] * shape[2];
    return {
      root,
      format: 'imagefolder',
      labelColumn: '',
      classes: plan.classes,
      dims,
      imageShape: shape,
      testSource: plan.testSource,
      train: {
        ...splitData(xTrain, plan.yTrain, plan.train, sources, null),
        ...(contentHash ? { contentHash: contentHash.slice(0, nTrain) } : {}),
      },
      test: {
        ...splitData(xTest, plan.yTest, plan.test, sources, null),
        ...(contentHash ? { contentHash: contentHash.slice(nTrain) } : {}),
      },
      warnings,
    };
  } finally {
    await helper?.close();
  }
}
